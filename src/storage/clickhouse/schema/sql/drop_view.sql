-- Drops a view a later migration replaces (a materialized view's query cannot be changed in place
-- without an experimental setting); the replacement is created right after.
DROP VIEW IF EXISTS {{ident database}}.{{ident view}}{{onCluster}}
