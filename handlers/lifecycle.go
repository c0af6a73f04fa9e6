package handlers

// graphLifecycle is the GraphLifecycle function: it renews, recreates and sweeps within
// a short budget (ingest.Lifecycle) and queues the mail its sweeps found.
func graphLifecycle(in *Ingest) InvokeFunc { return graphPost(in.Lifecycle.Handle) }
