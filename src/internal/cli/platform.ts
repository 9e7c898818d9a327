/**
 * The services `effect/cli`'s `Command.run` requires, implemented on Node's
 * own modules. `@effect/platform-node` would bring them, but also an HTTP
 * stack and a newer Node than the library supports; the command line uses a
 * small part of each service:
 *
 * - `Stdio`: the arguments, the output streams and their TTY state;
 * - `FileSystem`: `exists`, `stat` and `readFileString` (what `effect/cli`'s
 *   path and file flags call); every other operation is the no-op file
 *   system's "not found";
 * - `Terminal`: its size and keyboard input (the interactive wizard is not
 *   among the built-in flags, see `main.ts`, so nothing prompts today);
 * - `ChildProcessSpawner`: the command line starts no processes, so `spawn`
 *   refuses with a typed `PlatformError`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as PlatformError from "effect/PlatformError"
import * as Queue from "effect/Queue"
import * as Sink from "effect/Sink"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import * as Terminal from "effect/Terminal"
import * as ByteSize from "effect/ByteSize"
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as ChildProcessSpawnerModule from "effect/process/ChildProcessSpawner"
import * as fs from "node:fs"
import * as readline from "node:readline"

const systemError = (method: string, path: string, error: unknown): PlatformError.PlatformError => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return PlatformError.systemError({
    module: "FileSystem",
    method,
    _tag: code === "ENOENT" ? "NotFound" : code === "EACCES" || code === "EPERM" ? "PermissionDenied" : "Unknown",
    description: error instanceof Error ? error.message : String(error),
    pathOrDescriptor: path,
    cause: error
  })
}

const optionalDate = (date: Date): Option.Option<Date> => Number.isNaN(date.getTime()) ? Option.none() : Option.some(date)

const infoOf = (stats: fs.BigIntStats): FileSystem.File.Info => ({
  type: stats.isFile()
    ? "File"
    : stats.isDirectory()
    ? "Directory"
    : stats.isSymbolicLink()
    ? "SymbolicLink"
    : stats.isFIFO()
    ? "FIFO"
    : stats.isSocket()
    ? "Socket"
    : stats.isBlockDevice()
    ? "BlockDevice"
    : stats.isCharacterDevice()
    ? "CharacterDevice"
    : "Unknown",
  mtime: optionalDate(stats.mtime),
  atime: optionalDate(stats.atime),
  birthtime: optionalDate(stats.birthtime),
  dev: stats.dev,
  ino: Option.some(stats.ino),
  mode: Number(stats.mode),
  nlink: Option.some(stats.nlink),
  uid: Option.some(Number(stats.uid)),
  gid: Option.some(Number(stats.gid)),
  rdev: Option.some(stats.rdev),
  size: ByteSize.bytes(stats.size),
  blksize: Option.some(ByteSize.bytes(stats.blksize)),
  blocks: Option.some(stats.blocks)
})

/** @internal */
export const fileSystemLayer: Layer.Layer<FileSystem.FileSystem> = FileSystem.layerNoop({
  exists: (path) =>
    Effect.tryPromise({
      try: () => fs.promises.access(path).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return false
        throw error
      }),
      catch: (error) => systemError("exists", path, error)
    }),
  stat: (path) =>
    Effect.tryPromise({
      try: () => fs.promises.stat(path, { bigint: true }).then(infoOf),
      catch: (error) => systemError("stat", path, error)
    }),
  readFileString: (path, encoding) =>
    Effect.tryPromise({
      try: () => fs.promises.readFile(path, { encoding: (encoding ?? "utf8") as BufferEncoding }),
      catch: (error) => systemError("readFileString", path, error)
    })
})

const writeTo = (stream: NodeJS.WriteStream) => () =>
  Sink.forEach((chunk: string | Uint8Array) =>
    Effect.callback<void>((resume) => {
      stream.write(chunk, () => resume(Effect.void))
    })
  )

/** @internal */
export const stdioLayer: Layer.Layer<Stdio.Stdio> = Layer.succeed(Stdio.Stdio)(Stdio.make({
  args: Effect.sync(() => process.argv.slice(2)),
  stdinIsTerminal: Effect.sync(() => process.stdin.isTTY === true),
  stdoutIsTerminal: Effect.sync(() => process.stdout.isTTY === true),
  stderrIsTerminal: Effect.sync(() => process.stderr.isTTY === true),
  stdout: writeTo(process.stdout),
  stderr: writeTo(process.stderr),
  stdin: Stream.fromAsyncIterable(
    process.stdin as AsyncIterable<Uint8Array>,
    (error) => PlatformError.systemError({ module: "Stdio", method: "stdin", _tag: "Unknown", cause: error })
  )
}))

const sizeNow = (): Terminal.Size => ({ columns: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 })

/** Keys from stdin, raw when it is a terminal, until the scope closes. */
const readInput = Effect.acquireRelease(
  Effect.gen(function*() {
    const queue = yield* Queue.make<Terminal.UserInput, Cause.Done>()
    const onKey = (input: string | undefined, key: readline.Key | undefined) => {
      Queue.offerUnsafe(queue, {
        input: Option.fromNullishOr(input),
        key: { name: key?.name ?? "", ctrl: key?.ctrl === true, meta: key?.meta === true, shift: key?.shift === true }
      })
    }
    readline.emitKeypressEvents(process.stdin)
    if (process.stdin.isTTY) process.stdin.setRawMode(true)
    process.stdin.on("keypress", onKey)
    const onEnd = () => Queue.endUnsafe(queue)
    process.stdin.once("end", onEnd)
    return { queue, onKey, onEnd }
  }),
  ({ onEnd, onKey }) =>
    Effect.sync(() => {
      process.stdin.off("keypress", onKey)
      process.stdin.off("end", onEnd)
      if (process.stdin.isTTY) process.stdin.setRawMode(false)
      process.stdin.pause()
    })
).pipe(Effect.map(({ queue }) => queue as Queue.Dequeue<Terminal.UserInput, Cause.Done>))

const readLine = Effect.callback<string, Terminal.QuitError>((resume) => {
  const lines = readline.createInterface({ input: process.stdin })
  let answered = false
  lines.once("line", (line) => {
    answered = true
    lines.close()
    resume(Effect.succeed(line))
  })
  lines.once("close", () => {
    if (!answered) resume(Effect.fail(new Terminal.QuitError()))
  })
  return Effect.sync(() => lines.close())
})

const size = Effect.acquireRelease(
  Effect.gen(function*() {
    const queue = yield* Queue.make<Terminal.Size, Cause.Done>()
    Queue.offerUnsafe(queue, sizeNow())
    const onResize = () => Queue.offerUnsafe(queue, sizeNow())
    process.stdout.on("resize", onResize)
    return { queue, onResize }
  }),
  ({ onResize }) => Effect.sync(() => process.stdout.off("resize", onResize))
).pipe(Effect.map(({ queue }) => queue as Queue.Dequeue<Terminal.Size, Cause.Done>))

/** @internal */
export const terminalLayer: Layer.Layer<Terminal.Terminal> = Layer.succeed(Terminal.Terminal)(Terminal.make({
  columns: Effect.sync(() => sizeNow().columns),
  rows: Effect.sync(() => sizeNow().rows),
  size,
  readInput,
  readLine,
  display: (text) =>
    Effect.callback<void>((resume) => {
      process.stdout.write(text, () => resume(Effect.void))
    })
}))

/** @internal */
export const childProcessSpawnerLayer: Layer.Layer<ChildProcessSpawner> = Layer.succeed(ChildProcessSpawner)(
  ChildProcessSpawnerModule.make(() =>
    Effect.fail(PlatformError.badArgument({
      module: "ChildProcessSpawner",
      method: "spawn",
      description: "the effect-sqlservice command line starts no child processes"
    }))
  )
)

/**
 * Everything `Command.run` requires.
 *
 * @internal
 */
export const layer: Layer.Layer<
  FileSystem.FileSystem | Path.Path | Stdio.Stdio | Terminal.Terminal | ChildProcessSpawner
> = Layer.mergeAll(fileSystemLayer, Path.layer, stdioLayer, terminalLayer, childProcessSpawnerLayer)
