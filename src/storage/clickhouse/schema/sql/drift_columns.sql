SELECT table, name, type, default_kind, default_expression
FROM system.columns
WHERE database = {database:String} AND table IN {tables:Array(String)}
