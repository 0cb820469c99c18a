#!/usr/bin/env python3
"""socklab's autograder for Classroom 50.

Classroom 50's runner runs this once per submission, in the student's
Actions, with the student's checkout as the working directory and the
assignment's bundle (CLASSROOM/autograders/ASSIGNMENT/ of the classroom50
repository: this file, and the course beside it in course/) unpacked
elsewhere. It grades the checkout's assignments/ with the grader and the
scenarios of the bundle's course, never those of the student's repository,
and leaves ./result.json and ./release-body.md where the runner reads
them: the grader writes them when it runs under the runner's environment
(CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, ...).

It exits 0 when the grade is written, whatever the score, and 1 when
grading could not run or the grader broke (the runner then publishes the
submission as an error, to grade again). See grader/README.md, section
"Classroom 50", for setting an assignment up.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

# The socklab assignment to grade, e.g. "01-stream". Empty: the one named
# like the Classroom 50 assignment if the course has it, else every
# assignment the checkout holds.
SOCKLAB_ASSIGNMENT = ""

RESULT = "result.json"
RELEASE_BODY = "release-body.md"


def bundle_dir() -> pathlib.Path:
    """The unpacked bundle: the runner names it in CLASSROOM50_BUNDLE_DIR."""
    named = os.environ.get("CLASSROOM50_BUNDLE_DIR", "")
    return pathlib.Path(named) if named else pathlib.Path(__file__).resolve().parent


def allow_sandbox() -> None:
    """Lift Ubuntu's restriction on unprivileged user namespaces, which the
    grader's sandbox uses, where the runner lets us (GitHub's hosted
    runners: passwordless sudo). Grading goes on without it otherwise."""
    knob = pathlib.Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
    try:
        if knob.read_text().strip() != "1" or shutil.which("sudo") is None:
            return
    except OSError:
        return
    subprocess.run(["sudo", "-n", "sysctl", "-w", "kernel.apparmor_restrict_unprivileged_userns=0"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main() -> int:
    course = bundle_dir() / "course"
    if not (course / "testdata").is_dir() or not (course / "go.mod").is_file():
        print(f"autograder: no course in {course}: the bundle holds autograder.py and course/", file=sys.stderr)
        return 1
    checkout = pathlib.Path.cwd()
    src = checkout / "assignments"
    if not src.is_dir():
        src = checkout
    assignment = SOCKLAB_ASSIGNMENT or os.environ.get("SOCKLAB_ASSIGNMENT", "")
    if not assignment and (course / "testdata" / os.environ.get("ASSIGNMENT", "")).is_dir():
        assignment = os.environ["ASSIGNMENT"]

    # The grader of the bundle's course, built as make grade builds it:
    # from the course's go.mod alone.
    env = dict(os.environ, GOWORK="off", GOFLAGS="-mod=mod")
    grader = course / ".bin" / "grader"
    build = subprocess.run(["go", "build", "-o", str(grader), "./grader"], cwd=course, env=env, check=False)
    if build.returncode != 0:
        print("autograder: the grader does not build", file=sys.stderr)
        return 1
    allow_sandbox()

    with tempfile.TemporaryDirectory(prefix="socklab-") as tmp:
        out = pathlib.Path(tmp)
        grade = subprocess.run(
            [str(grader), "grade", "-src", str(src), "-testdata", str(course / "testdata"),
             "-assignment", assignment, "-results", str(out / "results.json")],
            cwd=course, env=os.environ, check=False)
        # 0: every scenario passed; 1: some failed; 2: grading broke.
        if grade.returncode not in (0, 1):
            print(f"autograder: grading broke (status {grade.returncode}): grade again", file=sys.stderr)
            return 1
        missing = [f for f in (RESULT, RELEASE_BODY) if not (out / f).is_file()]
        if missing:
            print(f"autograder: the grader wrote no {', '.join(missing)}: is this the Classroom 50 runner?", file=sys.stderr)
            return 1
        for f in (RESULT, RELEASE_BODY):
            shutil.copyfile(out / f, checkout / f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
