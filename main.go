// Command mail2jira turns mail arriving in Microsoft 365 mailboxes into Jira Cloud tickets.
// It runs as an Azure Functions custom handler, or standalone; see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mail2jira:", err)
		os.Exit(1)
	}
}
