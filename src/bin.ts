#!/usr/bin/env node
/**
 * The `effect-sqlservice` command (package.json `bin`). Run
 * `effect-sqlservice --help` for its commands.
 *
 * @since 0.4.0
 */
import { main } from "./internal/cli/main.js"

main()
