"""The worker as a service: the Taskiq broker and tasks (:mod:`.tasks`), the meeting job and its
sweeper (:mod:`.meetings`), the enrolment job (:mod:`.enrolment`) and ``scribe serve``
(:mod:`.serve`).
"""
