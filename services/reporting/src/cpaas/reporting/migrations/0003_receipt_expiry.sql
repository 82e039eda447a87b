-- An attempt ended by its receipt deadline (error_code RECEIPT_EXPIRED on UNDELIVERED, or the
-- router's FAILED after it) is provisional: a late receipt supersedes it, and an expiry never
-- replaces a real outcome (cpaas.contracts.enums.can_transition; reporting's domain.advances).
CREATE FUNCTION status_advances(
    cur_status text, cur_rank smallint, cur_error text, new_status text, new_rank smallint, new_error text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN new_status IN ('FAILED', 'UNDELIVERED') AND new_error IS NOT DISTINCT FROM 'RECEIPT_EXPIRED' THEN
        CASE WHEN cur_status IN ('FAILED', 'UNDELIVERED') AND cur_error IS NOT DISTINCT FROM 'RECEIPT_EXPIRED'
            THEN cur_status = 'UNDELIVERED' AND new_status = 'FAILED'
            ELSE new_rank > cur_rank AND cur_status NOT IN ('FAILED', 'UNDELIVERED')
        END
    WHEN cur_status IN ('FAILED', 'UNDELIVERED') AND cur_error IS NOT DISTINCT FROM 'RECEIPT_EXPIRED' THEN
        new_status IN ('DELIVERED', 'READ', 'UNDELIVERED', 'FAILED')
    ELSE (new_rank > cur_rank AND cur_status NOT IN ('FAILED', 'UNDELIVERED'))
        OR (cur_status = 'UNDELIVERED' AND new_status = 'FAILED')
END;
