// Session state and commands.
