"""The application's version: read by the health object (32770/0/0). `make package
VERSION=x.y.z` builds this module with the package's version into the package, so an
updated node reports the version it runs."""
VERSION = "0.1.0"
