"""The touch kiosk: citizens choose a service and get a printed, numbered ticket."""
