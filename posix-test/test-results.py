#!/usr/bin/env python3
"""Host unit tests of posix-test/results.py: one PASS or FAIL line per case."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

SAMPLE = """\
# ptrun results 1: test, kind, result, detail, seconds
# timeout 10
# host Linux 6.1
conformance/interfaces/fork/1-1\trun\tPASS\texit 0\t0.001
conformance/interfaces/fork/7-1\trun\tUNRESOLVED\texit 2\t0.010
conformance/interfaces/fork/11-1\trun\tHUNG\tno exit within 10s, killed\t10.011
conformance/interfaces/aio_read/1-1\trun\tUNSUPPORTED\texit 4\t0.002
conformance/interfaces/lio_listio/2-1\trun\tUNTESTED\texit 5\t0.002
conformance/interfaces/sigaction/1-1\trun\tPASS\texit 0\t0.001
conformance/interfaces/sigaction/10-1\trun\tINTERRUPTED\tsignal 11 (Segmentation fault)\t0.1
conformance/interfaces/pthread_mutexattr_getprioceiling/1-1\trun\tBUILD-FAIL\tlink-failed: x\t0
conformance/interfaces/mmap/11-4\trun\tFAIL\texit 1\t0.01
conformance/definitions/signal_h/1-1\tbuild-only\tBUILD-ONLY\tcompiled only\t0
functional/semaphores/sem_lock.test\tfunctional\tPASS\texit 0\t2.0
# done 10 tests in 12.1s
"""

passed = failed = 0


def case(name, cond, why=""):
    global passed, failed
    if cond:
        print(f"PASS {name}")
        passed += 1
    else:
        print(f"FAIL {name}: {why}")
        failed += 1


def raises(fn, exc):
    try:
        fn()
    except exc:
        return True
    return False


recs, meta = results.parse(SAMPLE.splitlines(True))
case("parse_counts_records", len(recs) == 11, f"{len(recs)} records")
case("parse_metadata", meta.get("timeout") == "10" and meta.get("host") == "Linux 6.1",
     repr(meta))
case("parse_metadata_only_before_tests", "done" not in meta, repr(meta))
r = recs["conformance/interfaces/sigaction/10-1"]
case("parse_fields", r.kind == "run" and r.result == "INTERRUPTED" and r.seconds == 0.1
     and r.detail.startswith("signal 11"), repr(r))
case("parse_rejects_short_line",
     raises(lambda: results.parse(["a\trun\tPASS\n"]), results.FormatError))
case("parse_rejects_unknown_result",
     raises(lambda: results.parse(["a\trun\tWEIRD\tx\t0\n"]), results.FormatError))
case("parse_rejects_bad_seconds",
     raises(lambda: results.parse(["a\trun\tPASS\tx\tsoon\n"]), results.FormatError))
case("parse_skips_blank_lines", len(results.parse(["\n", "  \n"])[0]) == 0)
case("parse_last_line_wins",
     results.parse(["a\trun\tFAIL\t\t0\n", "a\trun\tPASS\t\t0\n"])[0]["a"].result == "PASS")

expect_area = {
    "conformance/interfaces/aio_read/1-1": "aio",
    "conformance/interfaces/lio_listio/2-1": "aio",
    "conformance/interfaces/clock_nanosleep/1-1": "clock",
    "conformance/interfaces/clock/1-1": "clock",
    "conformance/interfaces/fork/1-1": "fork",
    "conformance/interfaces/killpg/1-1": "kill",
    "conformance/interfaces/raise/1-1": "kill",
    "conformance/interfaces/mlockall/3-7": "mlock",
    "conformance/interfaces/munlockall/1-1": "mlock",
    "conformance/interfaces/mmap/11-4": "mmap",
    "conformance/interfaces/munmap/1-1": "mmap",
    "conformance/interfaces/mq_open/1-1": "mq",
    "conformance/interfaces/nanosleep/1-1": "nanosleep",
    "conformance/interfaces/pthread_kill/1-1": "pthread",
    "conformance/interfaces/sched_yield/1-1": "sched",
    "conformance/interfaces/sem_open/1-1": "sem",
    "conformance/interfaces/shm_open/1-1": "shm",
    "conformance/interfaces/sigaction/1-1": "sig",
    "conformance/interfaces/signal/1-1": "sig",
    "conformance/interfaces/asctime/1-1": "time",
    "conformance/interfaces/time/1-1": "time",
    "conformance/interfaces/timer_create/1-1": "timer",
    "conformance/interfaces/fsync/1-1": "other",
    "conformance/interfaces/getpid/1-1": "other",
    "conformance/behavior/WIFEXITED/1-1": "behavior",
    "conformance/definitions/sys/mman_h/8-1": "definitions",
    "functional/semaphores/sem_lock.test": "functional",
    "stress/threads/fork/s-c1": "stress",
}
wrong = {t: results.area(t) for t, a in expect_area.items() if results.area(t) != a}
case("area_families", not wrong, repr(wrong))
case("interface_dir", results.interface_dir("conformance/interfaces/fork/7-1") == "fork"
     and results.interface_dir("functional/semaphores/x.test") == "functional/semaphores")

groups, total = results.tabulate(recs)
case("tabulate_groups", groups["fork"] == {"PASS": 1, "UNRESOLVED": 1, "HUNG": 1},
     repr(groups.get("fork")))
case("tabulate_leaves_out_build_only", "definitions" not in groups and
     results.BUILD_ONLY not in total, repr(total))
case("tabulate_total", sum(total.values()) == 10 and total["PASS"] == 3
     and total[results.BUILD_FAIL] == 1, repr(total))

lines = results.table(recs, None, "not yet: needs the POSIX runtime (issue 4)")
body = {l.split()[0]: l for l in lines[2:]}
case("table_has_every_area", set(body) == {"aio", "fork", "sig", "pthread", "mmap",
                                           "functional", "all"}, repr(sorted(body)))
case("table_capix_missing_reason", all(l.endswith("not yet: needs the POSIX runtime (issue 4)")
                                       for l in lines[2:]), lines[-1])
case("table_total_row", body["all"].split()[1:4] == ["10", "1", "3"], body["all"])
case("table_header_columns", lines[1].split()[:10] ==
     ["area", "tests", "bfail", "PASS", "FAIL", "UNRES", "UNSUP", "UNTST", "HUNG", "INTR"],
     lines[1])
# The columns line up: the HUNG count of fork sits under the HUNG heading.
hung_col = lines[1].index("HUNG") + len("HUNG")
case("table_columns_align", body["fork"][hung_col - 1] == "1", body["fork"])

capix = dict(recs)
capix["conformance/interfaces/fork/1-1"] = capix["conformance/interfaces/fork/1-1"]._replace(
    result="FAIL")
del capix["functional/semaphores/sem_lock.test"]
lines2 = results.table(recs, capix)
body2 = {l.split()[0]: l for l in lines2[2:]}
case("table_side_by_side_ratio", body2["fork"].endswith("0.00")
     and body2["sig"].endswith("1.00"), body2["fork"])
case("table_area_not_run_on_capix", body2["functional"].endswith("not run"),
     body2["functional"])
case("table_total_ratio", body2["all"].endswith("0.33"), body2["all"])

tsv = results.table_tsv(recs, capix)
case("table_tsv_rows", tsv[0].startswith("group\tside\ttests\tPASS") and
     "all\tlinux\t10\t3\t1\t1\t1\t1\t1\t1\t1" in tsv and
     any(l.startswith("all\tcapix\t9\t1\t2") for l in tsv), "\n".join(tsv))

ch = results.compare(recs, capix)
case("compare_changes", ch == ["conformance/interfaces/fork/1-1: PASS -> FAIL (exit 0)",
                               "functional/semaphores/sem_lock.test: PASS -> absent"], repr(ch))
case("compare_same_is_empty", results.compare(recs, recs) == [])

out, nfail = results.check(["conformance/interfaces/fork/1-1",
                            "conformance/interfaces/fork/7-1", "missing/1-1"], recs)
case("check_pass_and_fail", nfail == 2 and out[0] == "PASS conformance/interfaces/fork/1-1"
     and out[1].startswith("FAIL conformance/interfaces/fork/7-1: UNRESOLVED")
     and out[2] == "FAIL missing/1-1: not run", repr(out))
case("check_reports_new_passes",
     "note: conformance/interfaces/sigaction/1-1 passes and is not on the list; add it" in out,
     repr(out))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
