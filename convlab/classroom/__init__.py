"""The instructor's classroom: building assignments and grading a class.

- ``assignments.py``: ``convlab assignments build``: the student versions;
- ``course_dir.py``: where things are in a course directory;
- ``demo_class.py``: a sample (or hostile) class in submitted/;
- ``grade.py``: ``convlab grade``: the whole class, in parallel;
- ``autograde.py``: one student, with nbgrader, repaired where it fails;
- ``worker.py``: a long-lived nbgrader process, and the grader's handle on it;
- ``processes.py``: nbgrader as a program, under a memory limit;
- ``reverify.py``: the checks run again on sandboxed functions;
- ``sandbox.py``, ``protocol.py``: the student's process and what crosses to it;
- ``isolation.py``: bubblewrap sandboxes and the grading kernels;
- ``inline_figures.py``: the grading kernels' figures, drawn once less;
- ``time_limits.py``: each cell's limit, calibrated from the solution;
- ``feedback.py``: feedback that hides the hidden tests;
- ``report.py``: the gradebook as a table, and the class report.

This package imports nothing on its own: the sandboxed student process
imports ``convlab.classroom.sandbox`` without the rest.
"""
