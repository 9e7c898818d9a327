/**
 * Hand-written schemas with what the random ones do not make: foreign keys
 * between tables in a cycle, several foreign keys from one table to
 * another, composite foreign keys, names that need care (a table called
 * `table`, columns whose camelCase field needs `Column.name`), expression
 * defaults and, on PostgreSQL, domains, arrays, enum arrays, identity
 * ALWAYS and types the library does not model.
 */
import type { Dialect } from "../../src/Metadata.js"

export const features: Readonly<Record<Dialect, ReadonlyArray<string>>> = {
  sqlite: [
    `CREATE TABLE people (
      id INTEGER PRIMARY KEY,
      full_name VARCHAR(60) NOT NULL,
      "HTTPStatus" INTEGER NOT NULL DEFAULT 200 CHECK ("HTTPStatus" IN (200, 404, 500)),
      settings JSON NOT NULL DEFAULT '{}',
      created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      shape POINT,
      UNIQUE (full_name)
    )`,
    `CREATE TABLE "table" (
      region TEXT NOT NULL,
      code INTEGER NOT NULL,
      author_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
      reviewer_id INTEGER REFERENCES people (id) ON DELETE SET NULL ON UPDATE CASCADE,
      PRIMARY KEY (region, code)
    )`,
    `CREATE TABLE notes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      region TEXT NOT NULL,
      code INTEGER NOT NULL,
      body TEXT NOT NULL DEFAULT (lower('X')),
      FOREIGN KEY (region, code) REFERENCES "table" (region, code) ON DELETE RESTRICT
    )`,
    `CREATE UNIQUE INDEX notes_body ON notes (body, region)`
  ],
  pg: [
    `CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0)`,
    `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
    `CREATE TABLE people (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      full_name varchar(60) NOT NULL UNIQUE,
      "HTTPStatus" integer NOT NULL DEFAULT 200 CHECK ("HTTPStatus" IN (200, 404, 500)),
      score positive_int,
      tags text[] NOT NULL DEFAULT '{}',
      matrix integer[][],
      moods mood[],
      search tsvector,
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      created timestamptz NOT NULL DEFAULT now(),
      best_friend_id bigint
    )`,
    `CREATE TABLE "table" (
      region text NOT NULL,
      code integer NOT NULL,
      author_id integer NOT NULL REFERENCES people (id) ON DELETE CASCADE,
      reviewer_id integer REFERENCES people (id) ON DELETE SET NULL ON UPDATE CASCADE,
      PRIMARY KEY (region, code)
    )`,
    `CREATE TABLE notes (
      id bigserial PRIMARY KEY,
      region text NOT NULL,
      code integer NOT NULL,
      body text NOT NULL DEFAULT lower('X'),
      mood mood NOT NULL DEFAULT 'ok',
      FOREIGN KEY (region, code) REFERENCES "table" (region, code) ON DELETE RESTRICT
    )`,
    // A cycle: people → notes → table → people.
    `ALTER TABLE people ADD CONSTRAINT people_best_note FOREIGN KEY (best_friend_id) REFERENCES notes (id) ON DELETE SET NULL`,
    `CREATE UNIQUE INDEX notes_body ON notes USING btree (body, region)`,
    `CREATE INDEX people_search ON people USING gin (search)`
  ]
}

/** Rows for `features`, so relations have something to load. */
export const featureRows: Readonly<Record<Dialect, ReadonlyArray<string>>> = {
  sqlite: [
    `INSERT INTO people (id, full_name, shape) VALUES (1, 'Ada', 3), (2, 'Grace', NULL)`,
    `INSERT INTO "table" (region, code, author_id, reviewer_id) VALUES ('eu', 1, 1, 2), ('us', 2, 2, NULL)`,
    `INSERT INTO notes (region, code, body) VALUES ('eu', 1, 'first'), ('eu', 1, 'second')`
  ],
  pg: [
    `INSERT INTO people (full_name, score, tags, matrix, moods, search) VALUES
       ('Ada', 3, '{a,b}', '{{1,2},{3,4}}', '{sad,NULL}', 'fat cat'), ('Grace', NULL, '{}', NULL, NULL, NULL)`,
    `INSERT INTO "table" (region, code, author_id, reviewer_id) VALUES ('eu', 1, 1, 2), ('us', 2, 2, NULL)`,
    `INSERT INTO notes (region, code, body) VALUES ('eu', 1, 'first'), ('eu', 1, 'second')`,
    `UPDATE people SET best_friend_id = 1 WHERE id = 2`
  ]
}
