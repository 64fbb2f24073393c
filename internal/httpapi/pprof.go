package httpapi

import (
	"net/http"
	"net/http/pprof"
)

// Profiling serves Go's profiles under /debug/pprof/ (net/http/pprof).
// The server listens for it only when PPROF_ADDR is set, on that address
// alone, never on the API's port: profiles show the code and what it is
// doing, so keep PPROF_ADDR on loopback or an operations network.
func Profiling() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
