// Command kundportal serves the Kundportal GraphQL API.
//
//	kundportal                      serve on $PORT (default 8080)
//	kundportal token --subject ID   print a development token
//
// Configuration comes from the environment; see docs/configuration.md.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"entgo.io/ent/dialect"

	"kundportal/ent"
	"kundportal/graph"
	"kundportal/internal/admission"
	"kundportal/internal/agreements"
	"kundportal/internal/auth"
	"kundportal/internal/bankid"
	"kundportal/internal/catalog"
	"kundportal/internal/config"
	"kundportal/internal/database"
	"kundportal/internal/demo"
	"kundportal/internal/documents"
	"kundportal/internal/entitlement"
	"kundportal/internal/feed"
	"kundportal/internal/httpapi"
	"kundportal/internal/notify"
	"kundportal/internal/ordering"
	"kundportal/internal/pricing"
	"kundportal/internal/reporting"
	"kundportal/internal/sms"
	"kundportal/internal/telemetry"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "token" {
		err = printToken(os.Args[2:], os.Stdout)
	} else {
		err = serve()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kundportal:", err)
		os.Exit(1)
	}
}

// printToken implements `kundportal token`: a token for the development
// server, which accepts tokens signed with its key file when no identity
// provider is configured.
func printToken(args []string, out io.Writer) error {
	cfg, err := config.FromOS()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if !cfg.DevMode() {
		return errors.New("AUTH_ISSUER is set: tokens come from the identity provider, not from this command")
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	subject := fs.String("subject", "", "personal number (BankID) or HSA-id (SITHS); for --staff, any name")
	method := fs.String("method", "bankid", "login method: bankid or siths")
	staff := fs.Bool("staff", false, "a token for the provider's customer service")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *subject == "" {
		return errors.New("token: --subject is required")
	}
	m := auth.MethodBankID
	switch *method {
	case "bankid":
	case "siths":
		m = auth.MethodSITHS
	default:
		return fmt.Errorf("token: --method must be bankid or siths, not %q", *method)
	}
	key, err := auth.LoadOrCreateDevKey(cfg.DevKeyFile)
	if err != nil {
		return err
	}
	raw, err := auth.IssueDevToken(key, auth.DevToken{Subject: *subject, Method: m, Staff: *staff, TTL: *ttl})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, raw)
	return err
}

func serve() error {
	cfg, err := config.FromOS()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := telemetry.NewLogger(os.Stderr, cfg.LogLevel)
	slog.SetDefault(logger)
	config.TuneGC(os.Getenv)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	tracerProvider, stopTracing, err := telemetry.StartTracing(ctx, cfg.Tracing)
	if err != nil {
		return err
	}
	defer flushTraces(stopTracing, logger)
	var metrics *telemetry.Metrics
	if cfg.MetricsAddr != config.MetricsOff {
		metrics = telemetry.NewMetrics()
	}

	// The key set fetches keys with this context for the life of the
	// process, the drain after a signal included.
	tokens, err := tokenVerifier(context.WithoutCancel(ctx), cfg, logger)
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg.Database, database.WithDriver(func(d dialect.Driver) dialect.Driver {
		return telemetry.WrapDriver(d, telemetry.Tracer(tracerProvider), metrics)
	}))
	if err != nil {
		return err
	}
	defer db.Close()
	metrics.RegisterDB("primary", db.SQL)
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	var trusted map[string]string
	if cfg.TrustedDocumentsFile != "" {
		if trusted, err = httpapi.LoadTrustedDocuments(cfg.TrustedDocumentsFile); err != nil {
			return err
		}
		logger.InfoContext(ctx, "only trusted documents run", "documents", len(trusted))
	}
	reports, err := reporting.Open(ctx, cfg.Replica, db)
	if err != nil {
		return err
	}
	if cfg.Replica.URL != "" {
		if pool, ok := reports.DB.(*sql.DB); ok {
			metrics.RegisterDB("replica", pool)
		}
		logger.InfoContext(ctx, "reports read from the replica of DATABASE_REPLICA_URL")
	}
	if cfg.DemoData {
		switch err := demo.Load(ctx, db.Client); {
		case errors.Is(err, demo.ErrNotEmpty):
			logger.Info("database already has data; demo data not loaded")
		case err != nil:
			return fmt.Errorf("loading demo data: %w", err)
		default:
			logger.Info("demo data loaded")
		}
	}

	signer, err := bankIDProvider(cfg, logger)
	if err != nil {
		return err
	}
	lifecycle := agreements.New(map[agreements.SigningMethod]bankid.Provider{agreements.MethodBankID: signer}, cfg.PortalURL, cfg.TerminationNoticeMonths)
	// The background loops outlive the signal: they are stopped after the
	// last request has finished, and waited for before the database closes.
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	var loops sync.WaitGroup
	loops.Go(func() { runScheduled(background, db.Client, lifecycle, cfg.ScheduleInterval, logger) })
	var mailer notify.Mailer = notify.NewSMTPMailer(cfg.SMTP)
	if cfg.SMTP.Host == "" {
		logger.Warn("no SMTP_HOST: e-mails are logged, not sent")
		mailer = notify.LogMailer{Logger: logger}
	}
	outbox := &notify.Sender{Client: db.Client, Dialect: db.Dialect, Mailer: mailer, MaxAttempts: cfg.OutboxMaxAttempts, Logger: logger}
	loops.Go(func() { outbox.Run(background, cfg.OutboxPollInterval) })
	metrics.RegisterOutbox(func(ctx context.Context) (int, error) { return notify.Pending(ctx, db.Client) })

	entitlements := entitlement.NewCache(db.Client, cfg.EntitlementCacheEntries)
	db.Client.Use(entitlements.Hook())
	metrics.RegisterCacheCounters(entitlements.Hits, entitlements.Misses)
	if db.Dialect == dialect.Postgres {
		listening := entitlements.Listen(background, cfg.Database.URL, logger)
		loops.Go(func() { <-listening })
	}

	admitted := admission.New(cfg.Admission)
	metrics.RegisterAdmission(admitted.Concurrent(), admitted.Running, admitted.Waiting)

	shuttingDown := make(chan struct{})
	srv := &http.Server{
		Addr: net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler: httpapi.New(httpapi.Options{
			Client:           db.Client,
			DB:               db.SQL,
			ShuttingDown:     shuttingDown,
			Tokens:           tokens,
			Logger:           logger,
			Limits:           cfg.Limits,
			MaxBodyBytes:     cfg.MaxBodyBytes,
			FieldSuggestions: cfg.Environment == "development",
			CORS:             cfg.CORS,
			APQCacheSize:     cfg.APQCacheSize,
			TrustedDocuments: trusted,
			RequestTimeout:   cfg.RequestTimeout,
			RateLimits:       cfg.RateLimits,
			Admission:        admitted,
			Metrics:          metrics,
			ServeMetrics:     cfg.MetricsAddr == "",
			TracerProvider:   tracerProvider,
			Services: graph.Services{
				Agreements:   lifecycle,
				Documents:    documents.New(cfg.MaterialChangeNoticeMonths),
				Ordering:     ordering.New(signer, smsSender(cfg, logger), cfg.PortalURL),
				Pricing:      pricing.New(cfg.MaterialChangeNoticeMonths),
				Catalog:      catalog.New(cfg.MaterialChangeNoticeMonths),
				Feed:         &feed.Reader{Client: db.Client, Dialect: db.Dialect},
				Entitlements: entitlements,
				ReportSource: reports,
			},
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()
	if cfg.PprofAddr != "" {
		profiles := &http.Server{Addr: cfg.PprofAddr, Handler: httpapi.Profiling(), ReadHeaderTimeout: 5 * time.Second}
		go func() { serveErr <- profiles.ListenAndServe() }()
		defer profiles.Close()
		logger.Warn("serving Go profiles", "addr", cfg.PprofAddr)
	}
	if metrics != nil && cfg.MetricsAddr != "" {
		go func() {
			// Only a failure stops the server; the listener's own end
			// at shutdown is no reason to skip the graceful one.
			if err := serveMetrics(ctx, cfg.MetricsAddr, metrics, logger); err != nil {
				select {
				case serveErr <- err:
				default:
				}
			}
		}()
	}
	logger.Info("serving", "addr", "http://localhost:"+strconv.Itoa(cfg.Port), "database", db.Dialect)

	select {
	case err := <-serveErr:
		stopBackground()
		loops.Wait()
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	return shutdown(srv, shuttingDown, stopBackground, &loops, cfg.ShutdownDrainDelay, cfg.ShutdownTimeout, logger)
}

// shutdown stops the server in the order that loses nothing: /readyz
// answers 503 at once (and for drain, while requests are still served, so
// a load balancer stops sending); then the listener closes and in-flight
// requests finish, their transactions committed; then the background
// loops stop, each finishing the step it is in, and are waited for. The
// caller closes the database after. The requests and the loops together
// get at most timeout.
func shutdown(srv *http.Server, shuttingDown chan struct{}, stopBackground context.CancelFunc, loops *sync.WaitGroup, drain, timeout time.Duration, logger *slog.Logger) error {
	close(shuttingDown)
	logger.Info("shutting down", "drain", drain.String(), "timeout", timeout.String())
	time.Sleep(drain)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("requests still running after %s: %w", timeout, err))
	}
	stopBackground()
	stopped := make(chan struct{})
	go func() { loops.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("background work still running after %s", timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	logger.Info("shut down")
	return nil
}

// serveMetrics serves /metrics on a listener of its own (METRICS_ADDR),
// kept off the public port, until ctx ends.
func serveMetrics(ctx context.Context, addr string, metrics *telemetry.Metrics, logger *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(logger))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving metrics", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics listener: %w", err)
	}
	return nil
}

// flushTraces sends the spans still buffered before the process exits.
func flushTraces(stop func(context.Context) error, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		logger.Warn("flushing traces", "error", err)
	}
}

// tokenVerifier trusts the configured identity provider, or in
// development mode the key file that `kundportal token` signs with.
func tokenVerifier(ctx context.Context, cfg config.Config, logger *slog.Logger) (*auth.TokenVerifier, error) {
	if !cfg.DevMode() {
		return auth.NewTokenVerifier(ctx, cfg.Auth), nil
	}
	key, err := auth.LoadOrCreateDevKey(cfg.DevKeyFile)
	if err != nil {
		return nil, err
	}
	logger.Warn("development mode: accepting tokens signed with " + cfg.DevKeyFile + "; set AUTH_ISSUER in production")
	return auth.NewDevTokenVerifier(key), nil
}

// bankIDProvider is the configured BankID relying-party API, or in
// development the simulator, whose signings complete after a few seconds.
func bankIDProvider(cfg config.Config, logger *slog.Logger) (bankid.Provider, error) {
	if cfg.BankID.BaseURL != "" {
		return bankid.New(cfg.BankID)
	}
	logger.Warn("development mode: BankID is simulated; signings complete after 5 seconds. Set BANKID_URL in production")
	return bankid.NewSimulator(5 * time.Second), nil
}

// smsSender is the configured 46elks gateway, or in development a sender
// that logs the attestation codes.
func smsSender(cfg config.Config, logger *slog.Logger) sms.Sender {
	if cfg.SMS.Username != "" {
		return &cfg.SMS
	}
	logger.Warn("development mode: SMS codes are logged, not sent. Set SMS_USERNAME and SMS_PASSWORD in production")
	return sms.Log{Logger: logger}
}

// runScheduled runs the scheduled steps at start and then every interval
// until ctx ends: agreements and subscriptions whose notice period has
// run out become TERMINATED (D-A5). Each run is one transaction, so
// several instances may run it; the second finds nothing left.
func runScheduled(ctx context.Context, client *ent.Client, lifecycle *agreements.Service, every time.Duration, logger *slog.Logger) {
	// A run under way when ctx ends is finished, not rolled back half-way.
	stop, ctx := ctx, context.WithoutCancel(ctx)
	for {
		err := func() error {
			tx, err := client.Tx(ctx)
			if err != nil {
				return err
			}
			ags, subs, err := lifecycle.EndDue(ent.NewContext(ctx, tx.Client()), tx.Client())
			if err != nil {
				_ = tx.Rollback()
				return err
			}
			if ags+subs > 0 {
				logger.Info("ended after notice", "agreements", ags, "subscriptions", subs)
			}
			return tx.Commit()
		}()
		if err != nil {
			logger.Error("scheduled step failed", "error", err)
		}
		select {
		case <-stop.Done():
			return
		case <-time.After(every):
		}
	}
}
