import Sqlite from "better-sqlite3"
const db = new Sqlite(`/tmp/roprof/raw-${process.pid}.db`)
db.pragma("journal_mode = WAL")
db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
const ins = db.prepare("INSERT INTO users VALUES (?, ?)")
db.transaction(() => { for (let i = 1; i <= 1000; i++) ins.run(i, "n" + i) })()
const sel = db.prepare("SELECT id, name FROM users WHERE id = ?")
const st = Object.fromEntries(["BEGIN DEFERRED", "BEGIN IMMEDIATE", "PRAGMA query_only = ON", "PRAGMA query_only = OFF", "ROLLBACK", "COMMIT"].map(s => [s, db.prepare(s)]))
const N = 50000
const time = (name, f) => { f(); const t = performance.now(); for (let i = 0; i < N; i++) f(i); console.log(name.padEnd(40), ((performance.now() - t) / N * 1000).toFixed(2), "µs") }
for (let r = 0; r < 2; r++) {
time("get autocommit", (i) => sel.get((i % 1000) + 1))
time("deferred+get+rollback", (i) => { st["BEGIN DEFERRED"].run(); sel.get((i % 1000) + 1); st.ROLLBACK.run() })
time("deferred+get+commit", (i) => { st["BEGIN DEFERRED"].run(); sel.get((i % 1000) + 1); st.COMMIT.run() })
time("deferred+qo+get+rollback+qo", (i) => { st["BEGIN DEFERRED"].run(); st["PRAGMA query_only = ON"].run(); sel.get((i % 1000) + 1); st.ROLLBACK.run(); st["PRAGMA query_only = OFF"].run() })
time("immediate+get+rollback", (i) => { st["BEGIN IMMEDIATE"].run(); sel.get((i % 1000) + 1); st.ROLLBACK.run() })
time("qo on/off only", (i) => { st["PRAGMA query_only = ON"].run(); st["PRAGMA query_only = OFF"].run() })
}
for (let r = 0; r < 2; r++) {
time("qoON,deferred,get,rollback,qoOFF", (i) => { st["PRAGMA query_only = ON"].run(); st["BEGIN DEFERRED"].run(); sel.get((i % 1000) + 1); st.ROLLBACK.run(); st["PRAGMA query_only = OFF"].run() })
time("deferred,qoON,get,qoOFF,rollback", (i) => { st["BEGIN DEFERRED"].run(); st["PRAGMA query_only = ON"].run(); sel.get((i % 1000) + 1); st["PRAGMA query_only = OFF"].run(); st.ROLLBACK.run() })
time("deferred,qoON,get,qoOFF,commit", (i) => { st["BEGIN DEFERRED"].run(); st["PRAGMA query_only = ON"].run(); sel.get((i % 1000) + 1); st["PRAGMA query_only = OFF"].run(); st.COMMIT.run() })
time("deferred+get+commit", (i) => { st["BEGIN DEFERRED"].run(); sel.get((i % 1000) + 1); st.COMMIT.run() })
time("get autocommit", (i) => sel.get((i % 1000) + 1))
}
