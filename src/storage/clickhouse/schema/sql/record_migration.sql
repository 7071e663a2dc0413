INSERT INTO {{ident database}}.{{ident table}} (version, description, applied_at, checksum)
VALUES ({version:UInt32}, {description:String}, now64(3), {checksum:String})
