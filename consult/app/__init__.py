"""The application layer: the tasks the windows and the command line share, without Qt.

As Anki's ``Collection`` does for its GUI, ``Clinic`` holds the record store, the catalog and
the data folder, and offers the tasks: save a consultation, build or render its plan, save the
settings. The windows only choose the thread a task runs on and show its result or its error;
the command line and the benchmarks call the same tasks.
"""
