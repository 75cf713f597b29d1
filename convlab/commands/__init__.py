"""The ``convlab`` command: the jobs a person runs, one subcommand each.

- ``cli.py``: the argument parser and ``main`` (the console script);
- ``doctor.py``: ``convlab doctor``, is this machine ready for the course?
- ``grade.py``: ``convlab grade`` and ``convlab demo-class`` (convlab.classroom);
- ``bench.py``: ``convlab bench`` (the benchmarks of benchmarks/).

``convlab demo`` and ``convlab assignments build`` call convlab.demo and
convlab.classroom.assignments directly. Nothing below this package imports it.
"""
