package main

import "embed"

// assets holds host.json and every functions/<name>/function.json, so standalone mode reads
// the same routes and schedules the Functions host does.
//
//go:embed host.json functions/*/function.json
var assets embed.FS
