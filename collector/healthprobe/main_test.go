package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRun(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()

	if got := run([]string{srv.URL}, env(nil), io.Discard); got != 0 {
		t.Fatalf("healthy server: exit %d, want 0", got)
	}
	if got := run(nil, env(map[string]string{"HEALTHPROBE_URL": srv.URL}), io.Discard); got != 0 {
		t.Fatalf("URL from env: exit %d, want 0", got)
	}
	status = http.StatusServiceUnavailable
	if got := run([]string{srv.URL}, env(nil), io.Discard); got != 1 {
		t.Fatalf("503: exit %d, want 1", got)
	}
	srv.Close()
	if got := run([]string{srv.URL}, env(nil), io.Discard); got != 1 {
		t.Fatalf("closed server: exit %d, want 1", got)
	}
	if got := run([]string{srv.URL}, env(map[string]string{"HEALTHPROBE_TIMEOUT": "soon"}), io.Discard); got != 1 {
		t.Fatalf("bad timeout: exit %d, want 1", got)
	}
}
