package domain

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"": "",
		"  Оформление   ПАСПОРТА ": "оформление паспорта",
		"Приём, врача!":            "прием врача",
		"ЁЛКА":                     "елка",
		"Санкт-Петербург (МФЦ №3)": "санкт петербург мфц 3",
		"«Госуслуги»\t—\nзапись":   "госуслуги запись",
		"е\u0308ж":                 "еж",     // decomposed ё
		"Андре\u0438\u0306":        "андрей", // decomposed й
		"...":                      "",
		"Driver's License":         "driver s license",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	got := Tokens("Замена водительского удостоверения, 2025 г.")
	want := []string{"замена", "водительского", "удостоверения", "2025", "г"}
	if !slices.Equal(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	if got := Tokens(" !? "); len(got) != 0 {
		t.Fatalf("Tokens of punctuation = %q", got)
	}
}

func TestStemGroups(t *testing.T) {
	t.Parallel()
	// Forms in one group must share a stem.
	groups := [][]string{
		{"паспорт", "паспорта", "паспорту", "паспортом", "паспорте", "паспорты", "паспортов", "паспортами", "паспортный", "паспортного", "паспортная"},
		{"справка", "справки", "справку", "справкой", "справке", "справками", "справках"},
		{"прием", "приема", "приему", "приемом", "приеме", "приемы", "приемов"},
		{"удостоверение", "удостоверения", "удостоверению", "удостоверением", "удостоверении", "удостоверений"},
		{"консультация", "консультации", "консультацию", "консультацией", "консультациями"},
		{"врач", "врача", "врачу", "врачом", "врачи", "врачей"},
		{"несудимость", "несудимости", "несудимостью"},
		{"пенсия", "пенсии", "пенсию", "пенсией"},
	}
	for _, g := range groups {
		want := Stem(Fold(g[0]))
		for _, w := range g[1:] {
			if got := Stem(Fold(w)); got != want {
				t.Errorf("Stem(%s) = %s, want %s (as %s)", w, got, want, g[0])
			}
		}
	}
}

func TestStemKeepsShortWordsAndNonRussian(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"дом", "мфц", "гибдд", "прием", "2025", "passport", "нога"} {
		if got := Stem(w); got != w {
			t.Errorf("Stem(%s) = %s, want it unchanged", w, got)
		}
	}
	if got := Stem("страной"); got != "стран" {
		t.Errorf("Stem(страной) = %s: «ой» is a noun ending too, «н» must stay", got)
	}
}

func TestMatchQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		texts []string
		want  bool
	}{
		{"паспорт", []string{"Оформление паспорта"}, true},
		{"ПАСПОРТ", []string{"Оформление паспорта"}, true},
		{"Паспорта", []string{"Оформление паспорта"}, true},
		{"паспортный", []string{"Оформление паспорта"}, true},
		{"пасп", []string{"Оформление паспорта"}, true},
		{"приём", []string{"Запись на приём к врачу"}, true},
		{"прием", []string{"Запись на приём к врачу"}, true},
		{"приёма", []string{"Запись на прием к врачу"}, true},
		{"врач", []string{"Запись на приём к врачу"}, true},
		{"справк", []string{"Справка о несудимости"}, true},
		{"справку", []string{"Справка о несудимости"}, true},
		{"справки о несудимости", []string{"Справка о несудимости"}, true},
		{"водительск удостоверение", []string{"Замена водительского удостоверения"}, true},
		{"водительское удостоверение", []string{"Замена водительского удостоверения"}, true},
		{"налог", []string{"Консультация по налоговым вычетам"}, true},
		{"налоги", []string{"Консультация по налоговым вычетам"}, true},
		{"вычет", []string{"Консультация по налоговым вычетам"}, true},
		{"собака", []string{"Оформление паспорта"}, false},
		{"паспорт собака", []string{"Оформление паспорта"}, false},
		{"паспорт замена", []string{"Замена паспорта"}, true},
		{"замена паспорта", []string{"Оформление паспорта"}, false},
		{"", []string{"Оформление паспорта"}, true},
		{"  !  ", []string{"Оформление паспорта"}, true},
		{"", nil, true},
		{"паспорт", nil, false},
		// Words may come from any of the texts (name, description, department).
		{"паспорт мвд", []string{"Оформление паспорта", "Для граждан РФ", "МВД России"}, true},
		{"мфц", []string{"МФЦ «Мои документы»"}, true},
		{"2025", []string{"Приём 2025 года"}, true},
		{"елка", []string{"Ёлка"}, true},
		// A query word must match the start of a word, not its middle.
		{"порт", []string{"Оформление паспорта"}, false},
		// Longer than the text word: the text word does not contain it.
		{"паспортист", []string{"Оформление паспорта"}, false},
	}
	for _, tc := range cases {
		if got := MatchQuery(tc.query, tc.texts...); got != tc.want {
			t.Errorf("MatchQuery(%q, %q) = %v, want %v", tc.query, tc.texts, got, tc.want)
		}
	}
}

func TestSearchTextReuse(t *testing.T) {
	t.Parallel()
	st := NewSearchText("Оформление паспорта", "Паспорт гражданина РФ", "МВД")
	for q, want := range map[string]bool{
		"паспорт":   true,
		"гражданин": true,
		"мвд":       true,
		"фнс":       false,
		"":          true,
	} {
		if got := st.Match(ParseQuery(q)); got != want {
			t.Errorf("Match(%q) = %v, want %v", q, got, want)
		}
	}
	if !ParseQuery(" , ").Empty() || ParseQuery("паспорт").Empty() {
		t.Error("Query.Empty is wrong")
	}
}

func BenchmarkSearchTextMatch(b *testing.B) {
	st := NewSearchText("Замена водительского удостоверения", "Замена в связи с истечением срока действия, сменой фамилии или утратой.", "ГИБДД МВД России")
	q := ParseQuery("водительское удостоверение")
	for b.Loop() {
		if !st.Match(q) {
			b.Fatal("no match")
		}
	}
}
