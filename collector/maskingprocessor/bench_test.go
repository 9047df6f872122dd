package maskingprocessor

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// benchConfig is the reference description's remove, pseudonymize and
// scrub_queries lists (tracing.yaml) with four hand-written redact_values
// patterns in place of its detectors, as the description read before it had
// them.
func benchConfig() *Config {
	return &Config{
		Remove: []string{
			"user.email", "user.phone", "user.full_name", "customer.address", "payment.card.number",
			"http.request.header.authorization", "http.request.header.cookie", "http.response.header.set-cookie",
		},
		Pseudonymize: PseudonymizeConfig{
			Keys: []string{"user.id", "enduser.id", "client.address", "network.peer.address"},
			Key:  "bench-secret-bench-secret-bench-secret",
		},
		RedactValues: []RedactRule{
			{Name: "email", Pattern: `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`},
			{Name: "card_number", Pattern: `\b(?:\d[ -]?){12,18}\d\b`},
			{Name: "phone", Pattern: `\+\d[\d ()-]{7,}\d`},
			{Name: "bearer_token", Pattern: `(?i)bearer\s+[A-Za-z0-9._~+/-]+=*`},
		},
		ScrubQueries: []ScrubQuery{
			{Key: "db.statement", Kind: "sql"}, {Key: "db.query.text", Kind: "sql"},
			{Key: "url.full", Kind: "url"}, {Key: "url.query", Kind: "query"},
		},
	}
}

// benchDetectorConfig is the reference description's masking as the prod
// config has it: the built-in detectors instead of the four patterns, names
// scrubbed and numbers checked.
func benchDetectorConfig() *Config {
	cfg := benchConfig()
	cfg.RedactValues = nil
	cfg.Detectors = append([]string(nil), detectorNames...)
	cfg.ScrubNames = true
	cfg.Numbers = true
	return cfg
}

const (
	benchResources        = 4
	benchSpansPerResource = 128
	benchSpans            = benchResources * benchSpansPerResource
)

// newBenchTraces builds one batch shaped like the shop's traffic: about 15
// attributes per span (free text, SQL, URLs, ids, a nested map and an
// array), an exception event on every fourth span, a link on every tenth,
// and personal data (emails, cards, phones, bearer tokens) on every fifth.
func newBenchTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	for r := range benchResources {
		rs := td.ResourceSpans().AppendEmpty()
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
		ra := rs.Resource().Attributes()
		ra.PutStr("service.name", fmt.Sprintf("shop-api-%d", r))
		ra.PutStr("service.namespace", "shop3d")
		ra.PutStr("service.version", "2.14.1")
		ra.PutStr("deployment.environment.name", "production")
		ra.PutStr("host.name", fmt.Sprintf("ip-10-0-3-%d.eu-west-1.compute.internal", 10+r))
		ra.PutInt("process.pid", int64(4100+r))
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("io.opentelemetry.express")
		ss.Scope().SetVersion("0.41.0")
		for i := range benchSpansPerResource {
			fillBenchSpan(ss.Spans().AppendEmpty(), r*benchSpansPerResource+i)
		}
	}
	return td
}

func fillBenchSpan(span ptrace.Span, n int) {
	personal := n%5 == 0
	span.SetTraceID(pcommon.TraceID{byte(n), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(n >> 8)})
	span.SetSpanID(pcommon.SpanID{byte(n), 1, 2, 3, 4, 5, 6, byte(n >> 8)})
	span.TraceState().FromRaw("shop=p:8;r:62,rojo=00f067aa0ba902b7")
	span.SetKind(ptrace.SpanKindServer)
	a := span.Attributes()
	orderID := int64(100000 + n)
	if n%3 == 0 {
		span.SetName("SELECT shop.orders")
		stmt := fmt.Sprintf("SELECT o.id, o.total, o.status FROM orders o WHERE o.customer_id = %d AND o.status = 'paid' LIMIT 20", 4000+n)
		if personal {
			stmt = fmt.Sprintf("SELECT id FROM customers WHERE email = 'jane.doe%d@example.com' AND phone = '+49 30 1234%04d'", n, n)
		}
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("db.statement", stmt)
		a.PutStr("db.collection.name", "orders")
	} else {
		span.SetName("GET /api/orders/{id}")
		url := fmt.Sprintf("https://shop.example/api/orders/%d?page=2&sort=desc&lang=en", orderID)
		if personal {
			url = fmt.Sprintf("https://shop.example/api/orders/%d?email=jane.doe%d%%40example.com&token=tk_%08d", orderID, n, n)
		}
		a.PutStr("http.request.method", "GET")
		a.PutStr("http.route", "/api/orders/{id}")
		a.PutStr("url.full", url)
		a.PutInt("http.response.status_code", 200)
		a.PutStr("http.request.header.user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	}
	a.PutStr("user.id", fmt.Sprintf("u-%06d", n%700))
	a.PutStr("client.address", fmt.Sprintf("203.0.113.%d", n%250))
	a.PutStr("order.flow", "order-upload")
	a.PutInt("order.id", orderID)
	a.PutDouble("order.total", 129.5+float64(n%17))
	a.PutStr("thread.name", fmt.Sprintf("worker-%d", n%8))
	a.PutStr("request.id", fmt.Sprintf("550e8400-e29b-41d4-a716-%012d", n))
	msg := fmt.Sprintf("order %d accepted for costing after %d ms, 3 files, queue depth 12", orderID, 40+n%90)
	if personal {
		msg = fmt.Sprintf("customer jane.doe%d@example.com paid with 4111 1111 1111 1111, callback +44 20 7946 %04d", n, n)
		a.PutStr("user.email", fmt.Sprintf("jane.doe%d@example.com", n))
		a.PutStr("app.debug", "retry with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl")
	}
	a.PutStr("app.message", msg)
	cart := a.PutEmptyMap("app.cart")
	cart.PutInt("items", int64(1+n%4))
	cart.PutStr("currency", "EUR")
	cart.PutStr("coupon", "SPRING24")
	notes := cart.PutEmptySlice("notes")
	notes.AppendEmpty().SetStr("gift wrap")
	if personal {
		notes.AppendEmpty().SetStr("deliver to jane.doe@example.com or call +49 171 1234567")
	} else {
		notes.AppendEmpty().SetStr("leave at the front desk")
	}
	tags := a.PutEmptySlice("app.tags")
	tags.AppendEmpty().SetStr("express")
	tags.AppendEmpty().SetStr("eu-west")
	tags.AppendEmpty().SetStr("pla")

	if n%4 == 0 {
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage("upstream 3d-storage returned 503")
		ev := span.Events().AppendEmpty()
		ev.SetName("exception")
		ea := ev.Attributes()
		ea.PutStr("exception.type", "UpstreamError")
		ea.PutStr("exception.message", "3d-storage: 503 Service Unavailable after 3 retries")
		ea.PutStr("exception.stacktrace", "UpstreamError: 3d-storage: 503\n    at fetchModel (/app/src/storage.js:88:11)\n    at async costOrder (/app/src/costing.js:41:5)\n    at async /app/src/routes/orders.js:120:7")
	}
	if n%10 == 0 {
		link := span.Links().AppendEmpty()
		link.SetTraceID(pcommon.TraceID{9, byte(n)})
		link.SetSpanID(pcommon.SpanID{9, byte(n)})
		link.TraceState().FromRaw("shop=p:8")
		link.Attributes().PutStr("messaging.message.id", fmt.Sprintf("msg-%d", n))
	}
}

// BenchmarkMaskSpans measures one processor call per batch of benchSpans
// spans. Copying the input batch is excluded from the time and from the
// allocation count, which are reported per span, and a garbage collection
// between copy and call keeps the copy's garbage from being collected on
// the processor's time. cpu-ns/span is the CPU time the process spent in
// the measured calls (all threads, so collecting the processor's own
// garbage is in): unlike ns/span it does not grow when other processes share
// the machine's two cores.
func BenchmarkMaskSpans(b *testing.B) { benchmarkMask(b, benchConfig()) }

// BenchmarkMaskSpansDetectors runs benchDetectorConfig over the same batch.
func BenchmarkMaskSpansDetectors(b *testing.B) { benchmarkMask(b, benchDetectorConfig()) }

func benchmarkMask(b *testing.B, cfg *Config) {
	m, err := newMasker(cfg)
	if err != nil {
		b.Fatal(err)
	}
	src := newBenchTraces()
	ctx := context.Background()
	var before, after runtime.MemStats
	var mallocs uint64
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		td := ptrace.NewTraces()
		src.CopyTo(td)
		runtime.GC()
		runtime.ReadMemStats(&before)
		cpuBefore := processCPU(b)
		b.StartTimer()
		if _, err := m.processTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += processCPU(b) - cpuBefore
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		b.StartTimer()
	}
	spans := float64(b.N) * benchSpans
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/spans, "ns/span")
	b.ReportMetric(float64(cpu.Nanoseconds())/spans, "cpu-ns/span")
	b.ReportMetric(float64(mallocs)/spans, "allocs/span")
}

// processCPU is the user and system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
