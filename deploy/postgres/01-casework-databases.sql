-- One database per service: no service reads another's tables (docs: README.md).
-- Run once by the postgres image when its data volume is first created.
CREATE DATABASE casework_gateway;
CREATE DATABASE casework_intake;
CREATE DATABASE casework_cases;
CREATE DATABASE casework_agencies;
CREATE DATABASE casework_notify;
CREATE DATABASE casework_metrics;
