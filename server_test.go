package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
	"kundportal/internal/fixture"
	"kundportal/internal/telemetry"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestGracefulShutdownFinishesTheRequestInFlight runs the real binary on
// PostgreSQL with the demo data. A revokeRole waits on a row lock the test
// holds when SIGTERM arrives: /readyz answers 503 at once, new connections
// are refused once the drain delay is over, and when the lock is released
// the mutation answers with success, its delete is committed and the
// process exits 0 well within its bound.
func TestGracefulShutdownFinishesTheRequestInFlight(t *testing.T) {
	db := testdb.Postgres(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "kundportal")
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	const drain, bound = 500 * time.Millisecond, 10 * time.Second
	env := append(os.Environ(), "DATABASE_URL="+db.URL, "DEMO_DATA=true", "PORT="+strconv.Itoa(port),
		"DEV_KEY_FILE="+filepath.Join(dir, "dev.key"), "AUTH_ISSUER=", "LOG_LEVEL=warn",
		"SHUTDOWN_DRAIN_DELAY="+drain.String(), "SHUTDOWN_TIMEOUT="+bound.String())

	var logs bytes.Buffer
	srv := exec.Command(bin)
	srv.Dir, srv.Env, srv.Stdout, srv.Stderr = dir, env, &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	exited := make(chan struct{})
	go func() { exitErr = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	probe := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	waitFor(t, 60*time.Second, "the server to be ready", func() bool { return status(probe, base+"/readyz") == http.StatusOK })

	// Anna Lindqvist, administrator of Region Stockholm, takes away Johan
	// Berg's ORDERER role, whose row the test locks first.
	tokenCmd := exec.Command(bin, "token", "--subject", "19760412-9846")
	tokenCmd.Dir, tokenCmd.Env = dir, env
	out, err := tokenCmd.Output()
	if err != nil {
		t.Fatalf("kundportal token: %v", err)
	}
	token := strings.TrimSpace(string(out))
	ctx := t.Context()
	var roleID string
	if err := db.SQL.QueryRowContext(ctx, `SELECT r.id FROM roles r JOIN persons p ON p.id = r.person_id
		WHERE p.personal_number = '19850630-9833' AND r.role = 'ORDERER'`).Scan(&roleID); err != nil {
		t.Fatalf("Johan Berg's ORDERER role: %v", err)
	}
	lock, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `SELECT id FROM roles WHERE id = $1 FOR UPDATE`, roleID); err != nil {
		t.Fatal(err)
	}

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"query": `mutation($id: ID!) { revokeRole(id: $id) { id role } }`, "variables": map[string]any{"id": roleID}})
		req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rsp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer rsp.Body.Close()
		var b bytes.Buffer
		_, err = b.ReadFrom(rsp.Body)
		answered <- answer{status: rsp.StatusCode, body: b.String(), err: err}
	}()
	waitFor(t, 10*time.Second, "the mutation to wait for the row lock", func() bool {
		var waiting int
		err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	})

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	waitFor(t, drain, "/readyz to answer 503 during the drain", func() bool {
		return status(probe, base+"/readyz") == http.StatusServiceUnavailable
	})
	waitFor(t, drain+2*time.Second, "new connections to be refused", func() bool {
		_, err := probe.Get(base + "/healthz")
		return errors.Is(err, syscall.ECONNREFUSED)
	})
	select {
	case a := <-answered:
		t.Fatalf("the mutation answered before its lock was released: %+v", a)
	case <-exited:
		t.Fatalf("the server exited with a request in flight: %v", exitErr)
	default:
	}

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || strings.Contains(a.body, `"errors"`) || !strings.Contains(a.body, roleID) {
		t.Fatalf("the mutation in flight: status %d, error %v, body %s", a.status, a.err, a.body)
	}
	var left int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE id = $1`, roleID).Scan(&left); err != nil || left != 0 {
		t.Fatalf("the revoked role is still there (%d rows, %v): the transaction was not committed", left, err)
	}
	select {
	case <-exited:
		if exitErr != nil {
			t.Fatalf("the server exited with %v, want 0", exitErr)
		}
		if took := time.Since(signalled); took > drain+bound {
			t.Fatalf("the server took %s to exit, bound %s", took, drain+bound)
		}
	case <-time.After(drain + bound):
		t.Fatalf("the server did not exit within %s of SIGTERM", drain+bound)
	}
}

// TestScheduledStepFinishesItsTransactionWhenStopped: a shutdown that
// stops the scheduled step while it waits on a row lock lets it finish and
// commit, instead of rolling back half a run.
func TestScheduledStepFinishesItsTransactionWhenStopped(t *testing.T) {
	db := testdb.Postgres(t)
	ag := fixture.New(t, db.Client).Agreement(func(c *ent.AgreementCreate) {
		c.SetStatus(agreement.StatusTERMINATION_NOTICED).SetTerminationNoticedOn(fixture.Day).SetEndsOn(fixture.Day.AddDate(0, 6, 0))
	})
	lock, err := db.SQL.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(t.Context(), `SELECT id FROM agreements WHERE id = $1 FOR UPDATE`, ag.ID); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runScheduled(ctx, db.Client, agreements.New(nil, "https://portal.test", 6), time.Hour, slog.New(slog.DiscardHandler))
	}()
	waitFor(t, 10*time.Second, "the scheduled step to wait for the row lock", func() bool {
		var waiting int
		err := db.SQL.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	})
	stop()
	time.Sleep(200 * time.Millisecond) // a step that obeyed the stop would have been cancelled by now
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("runScheduled did not return after its context ended")
	}
	if st := db.Client.Agreement.GetX(access.SystemContext(t.Context()), ag.ID).Status; st != agreement.StatusTERMINATED {
		t.Fatalf("the agreement is %s after the stopped step, want TERMINATED", st)
	}
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func status(c *http.Client, url string) int {
	rsp, err := c.Get(url)
	if err != nil {
		return 0
	}
	rsp.Body.Close()
	return rsp.StatusCode
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Sprintf("timed out after %s waiting for %s", d, what))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestMetricsOnTheirOwnListener: with METRICS_ADDR set, /metrics is served
// on that address until the server stops.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveMetrics(ctx, addr, telemetry.NewMetrics(), slog.New(slog.DiscardHandler)) }()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rsp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		body = string(b)
		break
	}
	if !strings.Contains(body, "go_goroutines") {
		t.Fatalf("no metrics at %s: %q", addr, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the metrics listener did not stop")
	}
}
