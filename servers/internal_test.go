package servers

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestParamNamesListsSpecs(t *testing.T) {
	names := strings.Split(paramNames, ", ")
	if !slices.IsSorted(names) {
		t.Errorf("paramNames %q is not sorted", paramNames)
	}
	for _, name := range names {
		if lookupParam(name) == nil {
			t.Errorf("paramNames lists %q, which lookupParam does not know", name)
		}
	}
	for _, name := range []string{"", "Delay", "query", "foo"} {
		if lookupParam(name) != nil {
			t.Errorf("lookupParam(%q) is not nil", name)
		}
	}
}

func TestQuietWriter(t *testing.T) {
	var buf bytes.Buffer
	q := &quietWriter{w: &buf, limit: 2}
	for _, line := range []string{"a\n", "b\n", "c\n", "d\n"} {
		if n, err := q.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := buf.String(); got != "a\nb\nslowserver: http: further server errors are not logged\n" {
		t.Fatalf("output %q", got)
	}
}
