"""The machinery that runs the pages' code, shared by the build hooks and the test suite.

- ``rules``: which fences are executed, their sessions, ``--8<--`` includes, and the code a page
  shows (no pytest or MkDocs needed, so a production build does not import the test tools).
- ``runner``: runs one page's blocks in a fresh worker process, with a time limit, an output
  limit, and errors that name the page and line for an exception, ``sys.exit``, a crash or kill,
  a change of working directory or of a process-wide setting; writes into the project are refused.
- ``guard``: snapshots of the project tree, compared around each block, so that a write into the
  project that no audit event sees (C code, another process) is found and named.
- ``sandbox``: Landlock, where the kernel has it: a worker may write only to its temporary
  folders, ``/dev`` and the project.
- ``warm``: first-use work (an optimizer step, a figure) the fork server does once for all pages.
- ``cache``: content-addressed results of whole pages, read only when ``PAGECODE_CACHE`` is set
  (``make serve`` sets it; builds, CI and ``make test`` never read it).
"""
