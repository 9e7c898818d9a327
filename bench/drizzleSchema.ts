/** Drizzle table definitions for the fixtures (names carry the run's prefix). */
import { relations } from "drizzle-orm"
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core"
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core"

export const sqliteUsers = (name: string) =>
  sqliteTable(name, {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    age: integer("age").notNull()
  })

export const pgUsers = (name: string) =>
  pgTable(name, {
    id: pgInteger("id").primaryKey(),
    name: pgText("name").notNull(),
    email: pgText("email").notNull(),
    age: pgInteger("age").notNull()
  })

/** users → devices → keys, with Drizzle relations for `db.query.users.findMany({ with })`. */
export const sqliteEager = (prefix: string) => {
  const users = sqliteTable(`${prefix}eu_users`, { id: integer("id").primaryKey(), name: text("name").notNull() })
  const devices = sqliteTable(`${prefix}eu_devices`, {
    id: integer("id").primaryKey(),
    userId: integer("user_id").notNull(),
    name: text("name").notNull()
  })
  const keys = sqliteTable(`${prefix}eu_keys`, {
    id: integer("id").primaryKey(),
    deviceId: integer("device_id").notNull(),
    value: text("value").notNull()
  })
  return {
    users,
    devices,
    keys,
    usersRelations: relations(users, ({ many }) => ({ devices: many(devices) })),
    devicesRelations: relations(devices, ({ one, many }) => ({
      user: one(users, { fields: [devices.userId], references: [users.id] }),
      keys: many(keys)
    })),
    keysRelations: relations(keys, ({ one }) => ({
      device: one(devices, { fields: [keys.deviceId], references: [devices.id] })
    }))
  }
}

export const pgEager = (prefix: string) => {
  const users = pgTable(`${prefix}eu_users`, { id: pgInteger("id").primaryKey(), name: pgText("name").notNull() })
  const devices = pgTable(`${prefix}eu_devices`, {
    id: pgInteger("id").primaryKey(),
    userId: pgInteger("user_id").notNull(),
    name: pgText("name").notNull()
  })
  const keys = pgTable(`${prefix}eu_keys`, {
    id: pgInteger("id").primaryKey(),
    deviceId: pgInteger("device_id").notNull(),
    value: pgText("value").notNull()
  })
  return {
    users,
    devices,
    keys,
    usersRelations: relations(users, ({ many }) => ({ devices: many(devices) })),
    devicesRelations: relations(devices, ({ one, many }) => ({
      user: one(users, { fields: [devices.userId], references: [users.id] }),
      keys: many(keys)
    })),
    keysRelations: relations(keys, ({ one }) => ({
      device: one(devices, { fields: [keys.deviceId], references: [devices.id] })
    }))
  }
}
