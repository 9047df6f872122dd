// Command healthprobe is the container health check of otelcol-shop.
//
// The runtime image is distroless: it has no shell, curl or wget, and the
// collector binary has no "check my own health" subcommand. This tiny static
// program, built by scripts/build-image.sh, does one HTTP GET
// against the health_check extension and turns the answer into an exit code
// Docker understands: 0 healthy, 1 unhealthy.
//
//	healthprobe [URL]
//
// URL defaults to $HEALTHPROBE_URL, then to http://127.0.0.1:13133/ (the
// health_check extension's default port and path). Healthy means a 2xx
// status within the timeout ($HEALTHPROBE_TIMEOUT, a Go duration, default
// 3s). It uses no proxy settings from the environment: the target is local.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

const (
	defaultURL     = "http://127.0.0.1:13133/"
	defaultTimeout = 3 * time.Second
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	url := defaultURL
	if v := getenv("HEALTHPROBE_URL"); v != "" {
		url = v
	}
	if len(args) > 0 && args[0] != "" {
		url = args[0]
	}
	timeout := defaultTimeout
	if v := getenv("HEALTHPROBE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "healthprobe: bad HEALTHPROBE_TIMEOUT %q\n", v)
			return 1
		}
		timeout = d
	}
	if err := probe(url, timeout); err != nil {
		fmt.Fprintf(stderr, "healthprobe: %s: %v\n", url, err)
		return 1
	}
	return 0
}

func probe(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("unhealthy: HTTP %d", resp.StatusCode)
	}
	return nil
}
