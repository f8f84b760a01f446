package domain

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Catalog search that understands a little Russian: case and ё/е are folded,
// words are reduced to a rough stem, and a query word matches a text word
// that starts with its stem. So «паспорт», «ПАСПОРТА» and «пасп» all find
// «Оформление паспорта», and «приём» finds «Запись на прием».

// Fold lower-cases s, turns ё into е, replaces everything that is not a letter
// or digit with a space, and collapses spaces.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading spaces
	for _, r := range composeRussian(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if r == 'ё' {
				r = 'е'
			}
			b.WriteRune(r)
			space = false
		case !space && !unicode.Is(unicode.Mn, r):
			// Other combining marks are dropped rather than splitting the
			// word; a decomposed ё or й was composed above.
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Tokens splits s into folded words.
func Tokens(s string) []string {
	return strings.Fields(Fold(s))
}

// minStem is the shortest stem Stem leaves: with 4, «прием» keeps its «ем»
// and still equals the stem of «приема».
const minStem = 4

// russianEndings are inflectional endings of nouns and adjectives, longest
// first so that «ами» wins over «и». It is a small, Snowball-like list: good
// enough to make the forms of a catalog word meet, not a morphology.
var russianEndings = sortedByLength(
	// -ость nouns
	"остями", "остях", "остям", "остью", "остей", "ости", "ость",
	// -ие/-ия nouns
	"иями", "иях", "иям", "ием", "ией", "ию", "ия", "ии", "ие", "ий",
	// adjectives
	"ого", "его", "ому", "ему", "ыми", "ими", "ым", "им", "ых", "их",
	"ая", "яя", "ое", "ее", "ые", "ую", "юю", "ой", "ей", "ый",
	// nouns
	"ами", "ями", "ьями", "ов", "ев", "ам", "ям", "ах", "ях", "ом", "ем", "ью", "ьи", "ья",
	"а", "я", "ы", "и", "у", "ю", "е", "о", "ь",
)

// adjectiveEndings are the endings only adjectives take; after them a
// trailing «н» is a derivational suffix («паспортный» → «паспорт»).
// «ой» is left out: nouns take it too («страной» must not lose its «н»).
var adjectiveEndings = []string{"ый", "ая", "ое", "ые", "ого", "ому", "ым", "ых", "ыми", "ую"}

func sortedByLength(xs ...string) []string {
	slices.SortStableFunc(xs, func(a, b string) int {
		return utf8.RuneCountInString(b) - utf8.RuneCountInString(a)
	})
	return xs
}

// Stem strips one inflectional ending from a folded Russian word, keeping at
// least four letters. Words with anything other than Cyrillic letters
// (numbers, Latin) are returned unchanged.
func Stem(word string) string {
	for _, r := range word {
		if !unicode.Is(unicode.Cyrillic, r) {
			return word
		}
	}
	n := utf8.RuneCountInString(word)
	for _, e := range russianEndings {
		if !strings.HasSuffix(word, e) || n-utf8.RuneCountInString(e) < minStem {
			continue
		}
		stem := word[:len(word)-len(e)]
		if slices.Contains(adjectiveEndings, e) && strings.HasSuffix(stem, "н") &&
			!strings.HasSuffix(stem, "нн") && utf8.RuneCountInString(stem) > minStem {
			stem = strings.TrimSuffix(stem, "н")
		}
		return stem
	}
	return word
}

// Query is a parsed search query: the stems of its words.
type Query struct {
	stems []string
}

// ParseQuery folds and stems q. An empty query matches everything.
func ParseQuery(q string) Query {
	var stems []string
	for _, t := range Tokens(q) {
		if s := Stem(t); !slices.Contains(stems, s) {
			stems = append(stems, s)
		}
	}
	return Query{stems: stems}
}

// Empty reports whether the query has no words.
func (q Query) Empty() bool { return len(q.stems) == 0 }

// SearchText is the precomputed searchable form of one item (say a service's
// name, description and department): its distinct folded words, sorted.
type SearchText struct {
	words []string
}

// NewSearchText prepares texts for matching.
func NewSearchText(texts ...string) SearchText {
	var words []string
	for _, t := range texts {
		words = append(words, Tokens(t)...)
	}
	slices.Sort(words)
	return SearchText{words: slices.Compact(words)}
}

// Match reports whether every word of q matches some word of the text. A
// query word matches a text word that begins with the query word's stem: this
// covers equal stems («справки» ~ «справку»), plain prefixes («пасп» ~
// «паспорта») and longer derived words («налог» ~ «налоговым»).
func (t SearchText) Match(q Query) bool {
	for _, s := range q.stems {
		if !t.hasPrefix(s) {
			return false
		}
	}
	return true
}

// hasPrefix reports whether some word starts with p. Words are sorted, so the
// first word not less than p is the only candidate.
func (t SearchText) hasPrefix(p string) bool {
	i, _ := slices.BinarySearch(t.words, p)
	return i < len(t.words) && strings.HasPrefix(t.words[i], p)
}

// MatchQuery is the one-shot form of NewSearchText(texts...).Match(ParseQuery(query)).
func MatchQuery(query string, texts ...string) bool {
	return NewSearchText(texts...).Match(ParseQuery(query))
}
