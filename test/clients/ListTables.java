// What pgJDBC's DatabaseMetaData.getTables(..., {"TABLE", "VIEW"}) lists in
// a schema -- the call DBeaver-style explorers and JDBC BI connectors make.
//
//   java -cp postgresql.jar ListTables.java JDBC-URL SCHEMA
//
// Prints "TYPE NAME" per row (sorted by the driver: type, then name) and
// "comment NAME: TEXT" for rows with REMARKS.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

public class ListTables {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0])) {
            DatabaseMetaData meta = conn.getMetaData();
            List<String> comments = new ArrayList<>();
            try (ResultSet rs = meta.getTables(null, args[1], "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) {
                    String name = rs.getString("TABLE_NAME");
                    System.out.println(rs.getString("TABLE_TYPE") + " " + name);
                    String remarks = rs.getString("REMARKS");
                    if (remarks != null && !remarks.isEmpty())
                        comments.add("comment " + name + ": " + remarks);
                }
            }
            for (String c : comments)
                System.out.println(c);
        }
    }
}
