"""What makes the pods agree with the top network state, run by tricircle-xjob only:
router setup and routes, security group copies, deletes, the leak audit."""
