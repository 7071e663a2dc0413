SELECT name, engine, sorting_key, partition_key, create_table_query
FROM system.tables
WHERE database = {database:String} AND name IN {tables:Array(String)}
