"""`observe --sql athena|bigquery`: the same classification as one SQL query, for a warehouse.

Flow logs of a large estate already live in a warehouse: VPC Flow Logs in S3 behind the
Athena table the AWS documentation creates (`vpc_flow_logs`), GCP's flow and firewall logs
in the BigQuery dataset a Cloud Logging sink fills (`compute_googleapis_com_vpc_flows`,
`compute_googleapis_com_firewall`). The query inlines, as small tables, what the Python path
computes from the model and the cloud's state: the address map (disjoint IPv4 ranges ->
endpoint), the network's own ranges, the interfaces' addresses, the intended port ranges
and the guardrails' forbidden ranges. It then applies the same three rules as
infra/flows/classify.py (count once, orient, classify) and returns one row per (src, dst,
protocol, port, class, guardrail) with records, bytes, first and last seen. IPv6 records are
not classified by the SQL (the Python path does classify them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from infra.flows.addresses import AddressBook
from infra.flows.intent import Intent
from infra.flows.rails import ANY_PROTOCOL
from infra.flows.records import Window

Dialect = Literal["athena", "bigquery"]
DIALECTS: tuple[Dialect, ...] = ("athena", "bigquery")
NEVER = ("''", "''", "''", -1, -1)  # a row no record matches, so an empty table stays valid SQL


@dataclass(frozen=True)
class Tables:
    athena: str = "vpc_flow_logs"
    bigquery_flows: str = "flow_logs.compute_googleapis_com_vpc_flows"
    bigquery_firewall: str = "flow_logs.compute_googleapis_com_firewall"


def emit(dialect: Dialect, model: str, cloud: str, book: AddressBook, intent: Intent, window: Window,
         tables: Tables = Tables()) -> str:
    header = (f"-- bulkhead observe --sql {dialect}: flow logs of '{model}' on {cloud} classified against the "
              f"model\n-- (docs/observe.md). One row per (src, dst, protocol, port, class, guardrail).\n")
    athena = dialect == "athena"
    source = _athena_source(tables.athena, window) if athena else _bigquery_source(tables, window)
    ip = _athena_ip if athena else _bigquery_ip
    return header + "WITH\n" + ",\n".join([
        _inline("endpoints", ("first_ip", "last_ip", "endpoint"),
                [(lo, hi, _q(n)) for lo, hi, n in book.ranges()], (-1, -1, "''")),
        _inline("local_ranges", ("first_ip", "last_ip"), book.local_ranges(), (-1, -1)),
        _inline("interfaces", ("interface_id", "address"),
                [(_q(i), _q(a)) for i, owned in sorted(book.interfaces.items()) for a in sorted(owned)],
                ("''", "''")),
        _inline("transit", ("interface_id",), [(_q(i),) for i in sorted(book.transit)], ("''",)),
        _inline("intent", ("src", "dst", "protocol", "first_port", "last_port"),
                [(_q(s), _q(d), _q(p), lo, hi) for s, d, p, lo, hi in intent.rows()], NEVER),
        _inline("rails", ("src", "dst", "protocol", "first_port", "last_port", "rail"),
                [(_q(s), _q(d), _q(p), lo, hi, i) for s, d, p, lo, hi, i in intent.rails.rows()], (*NEVER, -1)),
        source,
        _located(ip("src"), ip("dst"), "VARCHAR" if athena else "STRING"),
        _classified("VARCHAR" if athena else "STRING"),
    ]) + _FINAL


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _inline(name: str, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]],
            never: tuple[object, ...]) -> str:
    """A small table written into the query as SELECT ... UNION ALL SELECT ...: the one form that
    Athena (Trino), BigQuery and DuckDB all accept (BigQuery has no VALUES, nor CTE column lists)."""
    body = list(rows) or [never]
    first = ", ".join(f"{value} AS {column}" for value, column in zip(body[0], columns, strict=True))
    rest = [f"SELECT {', '.join(str(v) for v in row)}" for row in body[1:]]
    return f"{name} AS (\n  SELECT {first}" + "".join(f"\n  UNION ALL {r}" for r in rest) + ")"


def _athena_ip(column: str) -> str:
    """Dotted quad -> integer, NULL unless four octets of 0-255 (Trino and DuckDB agree on this)."""
    parts = [f"TRY_CAST(split_part({column}, '.', {i}) AS BIGINT)" for i in range(1, 5)]
    valid = " AND ".join(f"{p} BETWEEN 0 AND 255" for p in parts)
    value = f"{parts[0]} * 16777216 + {parts[1]} * 65536 + {parts[2]} * 256 + {parts[3]}"
    return f"CASE WHEN {valid} AND COALESCE(split_part({column}, '.', 5), '') = '' THEN {value} END"


def _bigquery_ip(column: str) -> str:
    raw = f"NET.SAFE_IP_FROM_STRING({column})"
    return f"IF(BYTE_LENGTH({raw}) = 4, NET.IPV4_TO_INT64({raw}), NULL)"


def _window(start: str, end: str, window: Window) -> str:
    bounds = ([f"{end} >= {window.start}"] if window.start is not None else []) + (
        [f"{start} <= {window.end}"] if window.end is not None else [])
    return "".join(f" AND {b}" for b in bounds)


def _athena_source(table: str, window: Window) -> str:
    return f"""source AS (
  SELECT f.interface_id AS interface, f.srcaddr AS src, f.dstaddr AS dst, f.srcport AS sport, f.dstport AS dport,
         f.protocol AS proto_num, f.action = 'ACCEPT' AS accepted, f.bytes AS bytes, f.start AS t_start,
         f."end" AS t_end,
         CASE WHEN EXISTS (SELECT 1 FROM transit t WHERE t.interface_id = f.interface_id) THEN 'transit'
              WHEN EXISTS (SELECT 1 FROM interfaces i WHERE i.interface_id = f.interface_id AND i.address = f.srcaddr)
                THEN 'src'
              WHEN EXISTS (SELECT 1 FROM interfaces i WHERE i.interface_id = f.interface_id AND i.address = f.dstaddr)
                THEN 'dst'
              ELSE '' END AS capture
  FROM {table} f
  WHERE f.log_status = 'OK' AND f.action IN ('ACCEPT', 'REJECT'){_window('f.start', 'f."end"', window)})"""


def _bigquery_source(tables: Tables, window: Window) -> str:
    """Accepted traffic from the VPC Flow Logs table, rejected attempts from the firewall table
    (DENIED only: ALLOWED entries repeat the flow logs). Each reads only the fields its log has."""
    def part(table: str, accepted: str, size: str, start: str, end: str, at: str, where: str) -> str:
        c = "f.jsonPayload.connection"
        return (f"  SELECT '' AS interface, {c}.src_ip AS src, {c}.dest_ip AS dst, {c}.src_port AS sport, "
                f"{c}.dest_port AS dport,\n         {c}.protocol AS proto_num, {accepted} AS accepted, "
                f"{size} AS bytes, {start} AS t_start, {end} AS t_end,\n         {at} AS capture\n"
                f"  FROM {table} f\n  WHERE {where}{_window(start, end, window)}")

    stamp = "UNIX_SECONDS(f.timestamp)"
    flows = part(tables.bigquery_flows, "TRUE", "COALESCE(f.jsonPayload.bytes_sent, 0)",
                 f"COALESCE(UNIX_SECONDS(f.jsonPayload.start_time), {stamp})",
                 f"COALESCE(UNIX_SECONDS(f.jsonPayload.end_time), UNIX_SECONDS(f.jsonPayload.start_time), {stamp})",
                 "CASE f.jsonPayload.reporter WHEN 'SRC' THEN 'src' WHEN 'DEST' THEN 'dst' ELSE '' END", "TRUE")
    denied = part(tables.bigquery_firewall, "FALSE", "0", stamp, stamp, "''", "f.jsonPayload.disposition = 'DENIED'")
    return f"source AS (\n{flows}\n  UNION ALL\n{denied})"


def _located(src_n: str, dst_n: str, text_type: str) -> str:
    return f"""numbered AS (
  SELECT s.*, {src_n} AS src_n, {dst_n} AS dst_n,
         CASE s.proto_num WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' WHEN 58 THEN 'icmp'
              ELSE CONCAT('ip-', CAST(s.proto_num AS {text_type})) END AS protocol
  FROM source s),
located AS (
  SELECT n.*, COALESCE(a.endpoint, 'internet') AS src_ep, COALESCE(b.endpoint, 'internet') AS dst_ep,
         EXISTS (SELECT 1 FROM local_ranges l WHERE n.dst_n BETWEEN l.first_ip AND l.last_ip) AS dst_local
  FROM numbered n
  LEFT JOIN endpoints a ON n.src_n BETWEEN a.first_ip AND a.last_ip
  LEFT JOIN endpoints b ON n.dst_n BETWEEN b.first_ip AND b.last_ip
  WHERE n.src_n IS NOT NULL AND n.dst_n IS NOT NULL),
counted AS (
  SELECT * FROM located WHERE capture <> 'transit' AND NOT (capture = 'src' AND accepted AND dst_local)),
checked AS (
  SELECT c.*,
         EXISTS (SELECT 1 FROM intent i WHERE i.src = c.src_ep AND i.dst = c.dst_ep AND i.protocol = c.protocol
                 AND c.dport BETWEEN i.first_port AND i.last_port) AS forward_ok,
         EXISTS (SELECT 1 FROM intent i WHERE i.src = c.dst_ep AND i.dst = c.src_ep AND i.protocol = c.protocol
                 AND c.sport BETWEEN i.first_port AND i.last_port) AS reverse_ok,
         EXISTS (SELECT 1 FROM intent i WHERE i.src = c.src_ep AND i.dst = c.dst_ep AND i.protocol = c.protocol)
           AS protocol_ok,
         (SELECT MIN(r.rail) FROM rails r WHERE r.src = c.src_ep AND r.dst = c.dst_ep
            AND (r.protocol = c.protocol
                 OR (r.protocol = '{ANY_PROTOCOL}' AND c.protocol NOT IN ('tcp', 'udp', 'icmp')))
            AND (c.protocol NOT IN ('tcp', 'udp') OR c.dport BETWEEN r.first_port AND r.last_port)) AS forward_rail,
         (SELECT MIN(r.rail) FROM rails r WHERE r.src = c.dst_ep AND r.dst = c.src_ep AND r.protocol = c.protocol
            AND c.protocol IN ('tcp', 'udp') AND c.sport BETWEEN r.first_port AND r.last_port) AS reverse_rail
  FROM counted c),
judged AS (
  SELECT k.*,
         CASE WHEN k.protocol IN ('tcp', 'udp') THEN k.forward_ok OR k.reverse_ok
              WHEN k.protocol = 'icmp' THEN k.protocol_ok ELSE FALSE END AS intended
  FROM checked k),
oriented AS (
  SELECT k.*,
         k.protocol IN ('tcp', 'udp') AND CASE
           WHEN k.forward_ok OR k.reverse_ok THEN (k.reverse_ok AND NOT k.forward_ok)
                                                  OR (k.forward_ok AND k.reverse_ok AND k.sport < k.dport)
           WHEN (k.forward_rail IS NULL) = (k.reverse_rail IS NULL) THEN k.sport < k.dport
           ELSE k.reverse_rail IS NOT NULL END AS reversed
  FROM judged k)"""


def _classified(text_type: str) -> str:
    """Rule 3 over the oriented records; the guardrail crossed or tried is named `never[i]`."""
    return f"""classified AS (
  SELECT CASE WHEN o.reversed THEN o.dst_ep ELSE o.src_ep END AS src,
         CASE WHEN o.reversed THEN o.src_ep ELSE o.dst_ep END AS dst,
         o.protocol,
         CASE WHEN o.protocol NOT IN ('tcp', 'udp') THEN NULL WHEN o.reversed THEN o.sport ELSE o.dport END AS port,
         CASE WHEN o.src_ep = 'unknown' OR o.dst_ep = 'unknown' THEN 'unknown'
              WHEN o.accepted AND o.intended THEN 'intended'
              WHEN o.accepted AND o.rail IS NOT NULL THEN 'guardrail'
              WHEN o.accepted THEN 'violation'
              WHEN o.intended THEN 'broken'
              ELSE 'blocked-attempt' END AS class,
         CASE WHEN o.rail IS NULL OR o.intended OR o.src_ep = 'unknown' OR o.dst_ep = 'unknown' THEN NULL
              ELSE CONCAT('never[', CAST(o.rail AS {text_type}), ']') END AS guardrail,
         o.bytes, o.t_start, o.t_end
  FROM (SELECT x.*, CASE WHEN x.reversed THEN x.reverse_rail ELSE x.forward_rail END AS rail
        FROM oriented x) o)"""


_FINAL = """
SELECT src, dst, protocol, port, class, COUNT(*) AS records, SUM(bytes) AS bytes,
       MIN(t_start) AS first_seen, MAX(t_end) AS last_seen, guardrail
FROM classified
GROUP BY src, dst, protocol, port, class, guardrail
ORDER BY CASE class WHEN 'guardrail' THEN 0 WHEN 'violation' THEN 1 WHEN 'blocked-attempt' THEN 2
                    WHEN 'broken' THEN 3 WHEN 'unknown' THEN 4 ELSE 5 END, guardrail IS NULL, records DESC,
         src, dst, protocol, port
"""
