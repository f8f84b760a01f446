// Package docs holds the OpenAPI description of the HTTP API (openapi.yaml) and the tests that keep it in step with template.yaml.
package docs
