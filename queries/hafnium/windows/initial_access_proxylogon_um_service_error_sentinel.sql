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
  Messaging service"; System.OutOfMemoryException excluded. Raw .evtx carries no rendered message, only the insertion
  strings, so each form is also matched on what both carry: the Watson report event (4999) whose parameters name
  umworkerprocess and TextFormattingRunProperties; an MSExchange Unified Messaging error whose insertion strings hold a
  .NET exception (the text of the UM worker's unhandled exception); event 1038 of MSExchange Unified Messaging (the
  service could not start).
why_severity: >
  Sentinel rates it Low: UM worker crashes happen for other reasons. The InvalidCastException rule is the high variant.
false_positives:
  - UM worker crashes unrelated to exploitation.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/HAFNIUMSuspiciousUMServiceError.yaml
--- */
-- Stage 1: Exchange application errors: the rendered message (exports) and the insertion strings (raw .evtx and exports).
WITH errs AS (
  SELECT agency, host, event_time, provider, event_id, lower(coalesce(message, '')) AS msg,
         lower(coalesce(message, '') || chr(10) || coalesce(data_text, '')) AS txt,
         coalesce(message, data_text, '') AS shown
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(channel) = 'application'
    AND strpos(lower(provider), 'msexchange') = 1
    AND level = 2
),
-- Stage 2: the three message forms of the Sentinel rule, by message prefix or by what the insertion strings carry.
kinds AS (
  SELECT agency, host, event_time, provider, shown,
         CASE WHEN (strpos(msg, 'watson report') = 1 OR event_id = 4999)
                   AND strpos(txt, 'umworkerprocess') > 0 AND strpos(txt, 'textformattingrunproperties') > 0 THEN 'watson_report'
              WHEN strpos(msg, 'an unhandled exception occurred in a um worker process') = 1 THEN 'um_worker_exception'
              WHEN strpos(msg, 'the microsoft exchange unified messaging service') = 1 THEN 'um_service_error'
              -- Raw .evtx: the same events by their insertion strings.
              WHEN msg = '' AND lower(provider) = 'msexchange unified messaging' AND event_id = 1038 THEN 'um_service_error'
              WHEN msg = '' AND lower(provider) = 'msexchange unified messaging'
                   AND regexp_like(txt, '(system|microsoft)\.[a-z0-9_.]*exception') THEN 'um_worker_exception'
         END AS message_kind
  FROM errs
  WHERE strpos(txt, 'system.outofmemoryexception') = 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       provider, message_kind, min(substr(shown, 1, 400)) AS message
FROM kinds
WHERE message_kind IS NOT NULL
GROUP BY agency, host, provider, message_kind
