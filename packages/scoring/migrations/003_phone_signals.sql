-- fleetwire scoring schema v3 (issue 17): phone use while driving as trip exposure, for the score factor of
-- model 2.1 and for the batch scorer's period sums. Crash and phone-use events go into safety_events as
-- before (type 7 'crash', 8 'phone_use'); no new key: trips stay keyed (tenant, trip_id, start_time).
-- Trips written before this migration count no phone use (0), which is what their data said.
ALTER TABLE trips ADD COLUMN phone_use_s double precision NOT NULL DEFAULT 0;
ALTER TABLE trips ADD COLUMN phone_use_events integer NOT NULL DEFAULT 0;
