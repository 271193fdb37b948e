"""Local platform: moto's server as the AWS emulator, plus our own ticker and executor.

moto never fires schedules and cannot run Lambda code here, so this package reads the
deployed rules and schedules back from the emulator and runs the worker entry itself,
in child processes (`cronbridge local up`) or in-process under a virtual clock
(`cronbridge local simulate`). Nothing here is used against real AWS.
"""
