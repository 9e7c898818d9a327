/**
 * The models of Python sqlservice's own documentation, as Effect Schemas:
 * users, a one-to-one "about" row, devices and device keys.
 */
import { Schema } from "effect"
import { Column, Relation, Table } from "effect-sqlservice"

export const User = Table.make("users", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  name: Schema.String.check(Schema.isMaxLength(100)),
  email: Schema.String.pipe(Column.unique),
  phone: Schema.NullOr(Schema.String)
})

export const UserAbout = Table.make("user_about", {
  userId: Schema.Int.pipe(Column.primaryKey, Column.references(() => User.columns.id, { onDelete: "cascade" })),
  about: Schema.String
}, { columnNames: "snake_case" })

export const UserDevice = Table.make("user_devices", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  userId: Schema.Int.pipe(Column.references(() => User.columns.id, { onDelete: "cascade" }), Column.index),
  name: Schema.String,
  kind: Schema.Literals(["phone", "laptop", "tablet"]).pipe(Column.default("laptop")),
  registeredAt: Schema.Date.pipe(Column.default(Column.sqlDefault("CURRENT_TIMESTAMP")))
}, { columnNames: "snake_case" })

export const UserDeviceKey = Table.make("user_device_keys", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  deviceId: Schema.Int.pipe(Column.references(() => UserDevice.columns.id, { onDelete: "cascade" })),
  key: Schema.String
}, { columnNames: "snake_case" })

export const tables = [User, UserAbout, UserDevice, UserDeviceKey]

export const about = Relation.one(User, UserAbout)
export const devices = Relation.many(User, UserDevice)
export const keys = Relation.many(UserDevice, UserDeviceKey)
export const owner = Relation.belongsTo(UserDevice, User)
