// Command minhttp is the smallest Go HTTP server that answers GET /api/health with 200: the
// yardstick `make bench` measures the service's cold start against, in the same run.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("LISTEN_ADDRESS")
	if addr == "" {
		addr = "127.0.0.1:7071"
	}
	http.HandleFunc("GET /api/health", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "minhttp:", err)
		os.Exit(1)
	}
}
