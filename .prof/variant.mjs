import Sqlite from "better-sqlite3"
const [variant, nArg] = process.argv.slice(2)
const db = new Sqlite(`/tmp/roprof/v-${process.pid}.db`)
db.pragma("journal_mode = WAL")
db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
const ins = db.prepare("INSERT INTO users VALUES (?, ?)")
db.transaction(() => { for (let i = 1; i <= 1000; i++) ins.run(i, "n" + i) })()
const sel = db.prepare("SELECT id, name FROM users WHERE id = ?")
const p = (s) => db.prepare(s)
const B = p("BEGIN DEFERRED"), ON = p("PRAGMA query_only = ON"), OFF = p("PRAGMA query_only = OFF"), RB = p("ROLLBACK"), C = p("COMMIT")
const variants = {
  get: (i) => sel.get(i),
  txn: (i) => { B.run(); sel.get(i); RB.run() },
  txnCommit: (i) => { B.run(); sel.get(i); C.run() },
  guardAfter: (i) => { B.run(); ON.run(); sel.get(i); RB.run(); OFF.run() },
  guardInside: (i) => { B.run(); ON.run(); sel.get(i); OFF.run(); RB.run() },
  none: () => {}
}
const f = variants[variant]
const N = Number(nArg)
for (let i = 0; i < N; i++) f((i % 1000) + 1)
