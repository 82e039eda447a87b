-- The fallback router marks a message FAILED once its last level ended UNDELIVERED
-- (contracts: UNDELIVERED -> FAILED is the one move out of a final status).
CREATE FUNCTION status_advances(cur_status text, cur_rank smallint, new_status text, new_rank smallint)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (new_rank > cur_rank AND cur_status NOT IN ('FAILED', 'UNDELIVERED'))
    OR (cur_status = 'UNDELIVERED' AND new_status = 'FAILED');
