"""Administration in the web app (issue 17): the unit tree and its registers, people and their roles.

Every change is audited through riskreg.services.audit.trail, in the same transaction as the change.
"""
