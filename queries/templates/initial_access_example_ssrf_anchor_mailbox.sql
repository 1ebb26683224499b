/* ---
id: 00000000-0000-4000-8000-000000000000   # replace with a fresh UUID v4 (node -e "console.log(crypto.randomUUID())")
name: "Example: ServerInfo~ AnchorMailbox in HttpProxy logs"
status: experimental
severity: high
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox]
# correlation_days: 3   # only for a hunt that correlates rows (joins, windows, grouping across rows): the most days apart
#                        # the rows behind one finding (its key and severity) can be; leave it out when a finding can
#                        # depend on any day of the history (first-seen baselines, gates over the whole window);
#                        # only when more rows never take a finding away (a share or threshold is not such a hunt)
# group_days: 6         # instead, for findings that are groups of rows at most this many days apart (a share per
#                        # client and calendar week): incremental sweeps keep the findings that touch the new days
description: >
  Template for a new hunt: copy this file and its .test.yml into queries/<pack>/<log_source>/, rename both
  (<tactic>_<subject>_<behaviour>), give it a new id, then run `npm run sweep -- test-queries --query <stem>`.
false_positives:
  - None known for this pattern; replace with what you know.
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
runbook: |
  1. Say what an analyst checks first.
--- */
-- Stage 1: requests whose AnchorMailbox carries the ServerInfo~ SSRF marker, inside the run's window
-- (every lake table is bounded by dt BETWEEN ? AND ?, so partitions are pruned).
WITH hits AS (
  SELECT agency, host, event_time, anchor_mailbox, client_ip
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(anchor_mailbox), 'serverinfo~') > 0
)
-- Stage 2: one row per agency, host and anchor mailbox (one finding each), with the contract columns.
SELECT agency,
       host,
       min(event_time)           AS first_seen,
       max(event_time)           AS last_seen,
       count(*)                  AS hits,
       anchor_mailbox,
       array_join(array_agg(DISTINCT client_ip), ', ') AS client_ips
FROM hits
GROUP BY agency, host, anchor_mailbox
