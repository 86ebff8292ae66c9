-- fleetwire scoring schema v1. Time-series tables are range-partitioned by month; partitions are
-- created ahead by the partition manager (src/adapters/pg/partitions.ts), never by hand.

CREATE TABLE drivers (
  driver_id   text PRIMARY KEY,
  tenant      text NOT NULL DEFAULT '',
  name        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  device_id   text PRIMARY KEY,
  tenant      text NOT NULL DEFAULT '',
  driver_id   text NOT NULL REFERENCES drivers (driver_id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_driver_idx ON devices (driver_id);

-- Per-device stream state (open trip, last sample, detector state), written in the same
-- transaction as the outputs of each Kafka batch: a restart or rebalance resumes exactly.
CREATE TABLE device_state (
  device_id   text PRIMARY KEY,
  state       jsonb NOT NULL,
  trip_open   boolean NOT NULL,
  last_t_ms   bigint,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_state_open_idx ON device_state (updated_at) WHERE trip_open;

-- Idempotency keys (device_id, boot_id, seq) of every telemetry batch processed.
CREATE TABLE processed_batches (
  device_id     text NOT NULL,
  boot_id       text NOT NULL,
  seq           bigint NOT NULL,
  source        text NOT NULL DEFAULT '',
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, boot_id, seq)
);

CREATE TABLE batch_summaries (
  device_id      text NOT NULL,
  boot_id        text NOT NULL,
  seq            bigint NOT NULL,
  time           timestamptz NOT NULL,
  end_time       timestamptz NOT NULL,
  driver_id      text NOT NULL,
  gps_samples    integer NOT NULL,
  accel_samples  integer NOT NULL,
  distance_m     double precision NOT NULL,
  max_speed_ms   double precision NOT NULL,
  late_samples   integer NOT NULL,
  PRIMARY KEY (device_id, boot_id, seq, time)
) PARTITION BY RANGE (time);
CREATE INDEX batch_summaries_driver_time_idx ON batch_summaries (driver_id, time);

CREATE TABLE trips (
  trip_id             uuid NOT NULL,
  start_time          timestamptz NOT NULL,
  end_time            timestamptz NOT NULL,
  tenant              text NOT NULL DEFAULT '',
  device_id           text NOT NULL,
  driver_id           text NOT NULL,
  start_lat_e7        integer NOT NULL,
  start_lon_e7        integer NOT NULL,
  end_lat_e7          integer NOT NULL,
  end_lon_e7          integer NOT NULL,
  distance_m          double precision NOT NULL,
  duration_s          double precision NOT NULL,
  moving_s            double precision NOT NULL,
  sum_v_dt            double precision NOT NULL,
  sum_v2_dt           double precision NOT NULL,
  max_speed_ms        double precision NOT NULL,
  harsh_braking       integer NOT NULL,
  harsh_acceleration  integer NOT NULL,
  harsh_cornering     integer NOT NULL,
  speeding_s          double precision NOT NULL,
  night_s             double precision NOT NULL,
  features            double precision[] NOT NULL,
  risk                double precision,
  score               double precision,
  model_version       text,
  PRIMARY KEY (trip_id, start_time)
) PARTITION BY RANGE (start_time);
CREATE INDEX trips_driver_time_idx ON trips (driver_id, start_time);

CREATE TABLE safety_events (
  event_id     uuid NOT NULL,
  time         timestamptz NOT NULL,
  tenant       text NOT NULL DEFAULT '',
  device_id    text NOT NULL,
  driver_id    text NOT NULL,
  trip_id      uuid,
  type         smallint NOT NULL,
  type_name    text NOT NULL,
  duration_ms  integer NOT NULL,
  peak         integer NOT NULL,
  lat_e7       integer NOT NULL,
  lon_e7       integer NOT NULL,
  speed_cms    integer NOT NULL,
  severity     text NOT NULL,
  PRIMARY KEY (event_id, time)
) PARTITION BY RANGE (time);
CREATE INDEX safety_events_driver_time_idx ON safety_events (driver_id, time);

-- Score history. scope 'trip' (real-time, time = trip end) or 'period' (batch, time = period end).
CREATE TABLE risk_scores (
  score_id       uuid NOT NULL,
  time           timestamptz NOT NULL,
  scope          text NOT NULL CHECK (scope IN ('trip', 'period')),
  tenant         text NOT NULL DEFAULT '',
  driver_id      text NOT NULL,
  device_id      text,
  trip_id        uuid,
  period_start   timestamptz,
  period_end     timestamptz,
  risk           double precision NOT NULL,
  score          double precision NOT NULL,
  model_version  text NOT NULL,
  features       double precision[] NOT NULL,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (score_id, time)
) PARTITION BY RANGE (time);
CREATE INDEX risk_scores_driver_time_idx ON risk_scores (driver_id, time);

-- Outputs committed with the data but not yet published to Redis/Kafka (published, then deleted).
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  payload     jsonb NOT NULL
);
