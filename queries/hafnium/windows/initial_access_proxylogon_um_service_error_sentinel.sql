/* ---
id: 5c0ec11d-c806-4a7d-acd7-2010cfc7db91
name: "Suspicious MSExchange UM service errors: Watson reports and UM worker crashes (Sentinel HAFNIUM Suspicious UM Service Error)"
status: stable
severity: low
cves: [CVE-2021-26857]
mitre: ["TA0001:T1190"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [provider, message_kind]
variant_of: f094bb91-1844-4dbc-827d-2f6606292cc7
description: >
  Sentinel's wider CVE-2021-26857 rule: Application log, a provider starting with MSExchange, level Error, and a
  message that starts with "Watson report" and names umworkerprocess and TextFormattingRunProperties (the gadget used),
  or starts with "An unhandled exception occurred in a UM worker process", or with "The Microsoft Exchange Unified
  Messaging service"; System.OutOfMemoryException excluded. The message is taken from the rendered message, or the
  event data text for raw .evtx.
why_severity: >
  Sentinel rates it Low: UM worker crashes happen for other reasons. The InvalidCastException rule is the high variant.
false_positives:
  - UM worker crashes unrelated to exploitation.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/HAFNIUMSuspiciousUMServiceError.yaml
--- */
-- Stage 1: Exchange application errors, with the message as rendered or as event data text (raw .evtx).
WITH errs AS (
  SELECT agency, host, event_time, provider, coalesce(message, data_text, '') AS msg
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(channel) = 'application'
    AND strpos(lower(provider), 'msexchange') = 1
    AND level = 2
),
-- Stage 2: the three message forms of the Sentinel rule.
kinds AS (
  SELECT agency, host, event_time, provider, msg,
         CASE WHEN strpos(lower(msg), 'watson report') = 1 AND strpos(lower(msg), 'umworkerprocess') > 0
                   AND strpos(lower(msg), 'textformattingrunproperties') > 0 THEN 'watson_report'
              WHEN strpos(lower(msg), 'an unhandled exception occurred in a um worker process') = 1 THEN 'um_worker_exception'
              WHEN strpos(lower(msg), 'the microsoft exchange unified messaging service') = 1 THEN 'um_service_error'
         END AS message_kind
  FROM errs
  WHERE strpos(msg, 'System.OutOfMemoryException') = 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       provider, message_kind, min(substr(msg, 1, 400)) AS message
FROM kinds
WHERE message_kind IS NOT NULL
GROUP BY agency, host, provider, message_kind
