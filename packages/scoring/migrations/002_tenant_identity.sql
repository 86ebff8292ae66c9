-- fleetwire scoring schema v2: tenant is part of every identity. A device is (tenant, device_id), a driver
-- (tenant, driver_id); ids are chosen by customers and collide across tenants.
--
-- Every key, unique constraint and index that holds a device or driver id now begins with tenant. The
-- time-series tables (trips, safety_events, risk_scores, batch_summaries) and the per-device tables have
-- tenant as the first column of their primary key, so they can be distributed by tenant (e.g. Citus,
-- distribution column `tenant`) without another key change.
--
-- v1 rows are migrated in place. Tables that had no tenant take it from the v1 `devices` row of their
-- device (v1 kept one device row per id, so data two tenants sent under one id was already mixed and
-- stays with the tenant that row names). Rows of devices v1 never registered keep tenant ''.

-- 1. tenant columns, filled from v1's devices.
ALTER TABLE device_state ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE processed_batches ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE batch_summaries ADD COLUMN tenant text NOT NULL DEFAULT '';
UPDATE device_state s SET tenant = d.tenant FROM devices d WHERE d.device_id = s.device_id;
UPDATE processed_batches p SET tenant = d.tenant FROM devices d WHERE d.device_id = p.device_id;
UPDATE batch_summaries b SET tenant = d.tenant FROM devices d WHERE d.device_id = b.device_id;
-- The persisted stream state names its tenant too (core DeviceState.tenant).
UPDATE device_state SET state = jsonb_set(state, '{tenant}', to_jsonb(tenant));

-- 2. drivers and devices: keyed by (tenant, id); a device's driver belongs to the device's tenant.
ALTER TABLE devices DROP CONSTRAINT devices_driver_id_fkey;
ALTER TABLE drivers DROP CONSTRAINT drivers_pkey;
ALTER TABLE drivers ADD PRIMARY KEY (tenant, driver_id);
ALTER TABLE devices DROP CONSTRAINT devices_pkey;
ALTER TABLE devices ADD PRIMARY KEY (tenant, device_id);
INSERT INTO drivers (tenant, driver_id) SELECT DISTINCT tenant, driver_id FROM devices ON CONFLICT DO NOTHING;
ALTER TABLE devices ADD CONSTRAINT devices_driver_fkey FOREIGN KEY (tenant, driver_id) REFERENCES drivers (tenant, driver_id);
DROP INDEX devices_driver_idx;
CREATE INDEX devices_driver_idx ON devices (tenant, driver_id);

-- 3. per-device stream state and idempotency keys.
ALTER TABLE device_state DROP CONSTRAINT device_state_pkey;
ALTER TABLE device_state ADD PRIMARY KEY (tenant, device_id);
ALTER TABLE processed_batches DROP CONSTRAINT processed_batches_pkey;
ALTER TABLE processed_batches ADD PRIMARY KEY (tenant, device_id, boot_id, seq);

-- 4. time-series tables (partitioned by month; the key keeps the partition column last).
ALTER TABLE batch_summaries DROP CONSTRAINT batch_summaries_pkey;
ALTER TABLE batch_summaries ADD PRIMARY KEY (tenant, device_id, boot_id, seq, time);
DROP INDEX batch_summaries_driver_time_idx;
CREATE INDEX batch_summaries_driver_time_idx ON batch_summaries (tenant, driver_id, time);

ALTER TABLE trips DROP CONSTRAINT trips_pkey;
ALTER TABLE trips ADD PRIMARY KEY (tenant, trip_id, start_time);
DROP INDEX trips_driver_time_idx;
CREATE INDEX trips_driver_time_idx ON trips (tenant, driver_id, start_time);

ALTER TABLE safety_events DROP CONSTRAINT safety_events_pkey;
ALTER TABLE safety_events ADD PRIMARY KEY (tenant, event_id, time);
DROP INDEX safety_events_driver_time_idx;
CREATE INDEX safety_events_driver_time_idx ON safety_events (tenant, driver_id, time);

ALTER TABLE risk_scores DROP CONSTRAINT risk_scores_pkey;
ALTER TABLE risk_scores ADD PRIMARY KEY (tenant, score_id, time);
DROP INDEX risk_scores_driver_time_idx;
CREATE INDEX risk_scores_driver_time_idx ON risk_scores (tenant, driver_id, time);

-- 5. From now on every write names its tenant.
ALTER TABLE drivers ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE devices ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE device_state ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE processed_batches ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE batch_summaries ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE trips ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE safety_events ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE risk_scores ALTER COLUMN tenant DROP DEFAULT;
