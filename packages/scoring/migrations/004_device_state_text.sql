-- fleetwire scoring schema v4 (issue 19): device_state.state is stored as the JSON text the scorer writes.
-- The state is written once per device per Kafka batch and read back by the scorer only (JSON.parse); nothing
-- queries inside it. As jsonb, Postgres parsed every upsert into its binary form (~1.35x the text's size) and,
-- above ~2 KB per row, compressed and TOASTed it; in live traffic that upsert was the scorer's most costly
-- statement. Text skips the parse; toast_tuple_target keeps rows up to ~8 KB inline and uncompressed (a
-- state is ~2 KB). To query a state, cast it: state::jsonb.
--
-- The ALTER rewrites the table under an exclusive lock (scorers wait for it; ~1 GB at 300,000 devices).
-- A scorer of an earlier version still works against the text column (jsonb is assigned to text by its
-- output form).
ALTER TABLE device_state ALTER COLUMN state TYPE text USING state::text;
ALTER TABLE device_state SET (toast_tuple_target = 8160);
