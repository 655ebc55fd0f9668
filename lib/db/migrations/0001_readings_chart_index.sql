-- The chart path: one user's readings of one type over a time range, answered from the index alone.
CREATE INDEX IF NOT EXISTS "readings_user_id_type_ts_idx" ON "readings" USING btree ("user_id","type","ts") INCLUDE ("value","value2","connection_id");
