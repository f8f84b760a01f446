package runner

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

// Handlers maps each HTTP function's logical id to the constructor of its
// handler: the same constructor its functions/<name>/main.go calls. Each
// capability registers its own functions in a handlers_*.go file.
var Handlers = merge(catalogHandlers, slotHandlers, bookingHandlers)

var catalogHandlers = map[string]func(*httpapi.App) http.Handler{
	"ListServicesFunction":      httpapi.ListServices,
	"GetServiceFunction":        httpapi.GetService,
	"CreateServiceFunction":     httpapi.CreateService,
	"ListInstitutionsFunction":  httpapi.ListInstitutions,
	"GetInstitutionFunction":    httpapi.GetInstitution,
	"CreateInstitutionFunction": httpapi.CreateInstitution,
}

func merge(maps ...map[string]func(*httpapi.App) http.Handler) map[string]func(*httpapi.App) http.Handler {
	out := map[string]func(*httpapi.App) http.Handler{}
	for _, m := range maps {
		for k, v := range m {
			if _, dup := out[k]; dup {
				panic("handler registered twice: " + k)
			}
			out[k] = v
		}
	}
	return out
}

// route is one template route bound to its function.
type route struct {
	template.Route
	segments []string
	invoke   lambdaapi.Func
}

func (r route) key() string { return r.Method + " " + r.Path }

// match reports whether path fits the route and returns the path parameters,
// as API Gateway would: one segment per {param}, no greedy {proxy+}.
func (r route) match(path string) (map[string]string, bool) {
	segs := splitPath(path)
	if len(segs) != len(r.segments) {
		return nil, false
	}
	var params map[string]string
	for i, s := range r.segments {
		if name, ok := strings.CutPrefix(s, "{"); ok {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.TrimSuffix(name, "}")] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// bindRoutes pairs every template route with its handler and fails when a
// route has no handler or a handler no route: the template and the code must
// agree before anything is served.
func bindRoutes(fns []template.Function, app *httpapi.App, handlers map[string]func(*httpapi.App) http.Handler) ([]route, error) {
	var routes []route
	var problems []string
	used := map[string]bool{}
	for _, fn := range fns {
		if len(fn.Routes) == 0 {
			continue
		}
		mk, ok := handlers[fn.LogicalID]
		if !ok {
			problems = append(problems, fmt.Sprintf("function %s serves %s %s but has no handler registered", fn.LogicalID, fn.Routes[0].Method, fn.Routes[0].Path))
			continue
		}
		used[fn.LogicalID] = true
		invoke := lambdaapi.Handler(mk(app))
		for _, rt := range fn.Routes {
			routes = append(routes, route{Route: rt, segments: splitPath(rt.Path), invoke: invoke})
		}
	}
	for id := range handlers {
		if !used[id] {
			problems = append(problems, fmt.Sprintf("handler %s has no function with an HttpApi route in template.yaml", id))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("template and handlers disagree:\n  %s", strings.Join(problems, "\n  "))
	}
	return routes, nil
}
