package dev.tidings.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** What {@code mvn package -Dquarkus.container-image.build=true} builds: pom.xml's version and profile "image". */
record ImageBuild(String version, Map<String, String> properties) {

    static ImageBuild fromPom() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            Document pom = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
            Element project = pom.getDocumentElement();
            String version = child(project, "version").getTextContent().trim();
            NodeList profiles = pom.getElementsByTagName("profile");
            for (int i = 0; i < profiles.getLength(); i++) {
                Element profile = (Element) profiles.item(i);
                if (child(profile, "id").getTextContent().trim().equals("image")) {
                    Map<String, String> properties = new LinkedHashMap<>();
                    NodeList list = child(profile, "properties").getChildNodes();
                    for (int j = 0; j < list.getLength(); j++) {
                        if (list.item(j) instanceof Element e) {
                            properties.put(e.getTagName(), e.getTextContent().trim());
                        }
                    }
                    return new ImageBuild(version, properties);
                }
            }
            throw new AssertionError("pom.xml has no profile \"image\"");
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("reading pom.xml", e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("pom.xml: <" + parent.getTagName() + "> has no <" + name + ">");
    }

    String property(String name) {
        String value = properties.get(name);
        if (value == null) {
            throw new AssertionError("pom.xml, profile \"image\", sets no " + name);
        }
        return value;
    }

    /** group/name:version, as Quarkus names the image (no registry: the overlay's images: adds one). */
    String image() {
        return property("quarkus.container-image.group") + "/" + property("quarkus.container-image.name") + ":" + version;
    }
}
