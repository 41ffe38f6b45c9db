#!/usr/bin/env bash
# The outbox under two concurrent consumers: each message is delivered (marked sent) exactly once,
# even though both consumers claim in batches at the same time and fail 10% of their attempts
# (the failed messages come back after their backoff). And a queued message raises a NOTIFY on
# learnalytics_outbox with the channel's name.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
psql_q() { la_t_psql "$@"; }
n=2000
drop_all() {
  psql_q <<'SQL' >/dev/null 2>&1 || true
DELETE FROM alert_outbox WHERE learner LIKE 'obx%';
UPDATE alert_channel SET max_attempts = 5, retry_backoff = '1 minute' WHERE name = 'email';
DROP TABLE IF EXISTS obx_sent;
SQL
}
la_t_cleanup_add drop_all
[ "$(psql_q -c "SELECT count(*) FROM alert_outbox")" = 0 ] || { echo "the outbox is not empty"; exit 1; }

# NOTIFY: a session listening sees the channel name when a message is queued
notes=$(psql -X -d "$LA_DB" <<'SQL' 2>&1
LISTEN learnalytics_outbox;
INSERT INTO alert_outbox (channel, learner, payload) VALUES ('email', 'obx-notify', '{}');
SELECT 1;
SQL
)
grep -q 'notification "learnalytics_outbox" with payload "email"' <<<"$notes" || { echo "no NOTIFY: $notes"; exit 1; }
psql_q -c "DELETE FROM alert_outbox WHERE learner = 'obx-notify'"

psql_q <<SQL
UPDATE alert_channel SET max_attempts = 100, retry_backoff = '1 millisecond' WHERE name = 'email';
CREATE TABLE obx_sent (id bigint, consumer text);
INSERT INTO alert_outbox (channel, learner, payload)
SELECT 'email', 'obx' || i, jsonb_build_object('i', i) FROM generate_series(1, $n) i;
SQL

consumer() {
  psql_q <<SQL
DO \$\$
DECLARE
  ids bigint[];
  m bigint;
  idle int := 0;
BEGIN
  LOOP
    SELECT array_agg(o.id) INTO ids FROM outbox_claim('$1', 7) o;
    IF ids IS NULL THEN
      EXIT WHEN NOT EXISTS (SELECT 1 FROM alert_outbox WHERE status IN ('pending', 'claimed') AND learner LIKE 'obx%');
      idle := idle + 1;
      EXIT WHEN idle > 20000;
      COMMIT;   -- a new transaction, so that now() moves past the backoff of failed messages
      PERFORM pg_sleep(0.002);
      CONTINUE;
    END IF;
    FOREACH m IN ARRAY ids LOOP
      IF random() < 0.1 THEN
        PERFORM outbox_mark_failed(m, 'transient', '$1');
      ELSIF outbox_mark_sent(m, '$1') THEN
        INSERT INTO obx_sent VALUES (m, '$1');
      END IF;
    END LOOP;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
}
consumer sender_a & a=$!
consumer sender_b & b=$!
wait $a $b

read -r sent logged distinct by_a by_b left <<<"$(psql_q -F' ' -c "
  SELECT (SELECT count(*) FROM alert_outbox WHERE learner LIKE 'obx%' AND status = 'sent'),
         (SELECT count(*) FROM obx_sent), (SELECT count(DISTINCT id) FROM obx_sent),
         (SELECT count(*) FROM obx_sent WHERE consumer = 'sender_a'),
         (SELECT count(*) FROM obx_sent WHERE consumer = 'sender_b'),
         (SELECT count(*) FROM alert_outbox WHERE learner LIKE 'obx%' AND status <> 'sent')")"
retries=$(psql_q -c "SELECT sum(attempts - 1) FROM alert_outbox WHERE learner LIKE 'obx%'")
echo "messages $n: sent $sent, delivery records $logged ($distinct distinct), by a $by_a, by b $by_b, left $left, retries $retries"
[ "$sent" -eq $n ] && [ "$logged" -eq $n ] && [ "$distinct" -eq $n ] && [ "$left" -eq 0 ] || { echo "not exactly once"; exit 1; }
[ "$by_a" -gt 0 ] && [ "$by_b" -gt 0 ] || { echo "one consumer did all the work: no concurrency shown"; exit 1; }
[ "$retries" -gt 0 ] || { echo "no retries happened"; exit 1; }
echo "each message delivered exactly once"
