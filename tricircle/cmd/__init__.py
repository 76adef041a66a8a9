"""The processes: tricircle-api, tricircle-xjob, tricircle-manage."""
