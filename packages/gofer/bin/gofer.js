#!/usr/bin/env node
// The `gofer` command of the all-in-one package: the core's CLI, found from this package so that
// it runs the copy of @gofer/core installed beside the schedulers, extensions and UI.
const core = import.meta.resolve('@gofer/core/package.json');
await import(new URL('./bin/gofer.js', core).href);
