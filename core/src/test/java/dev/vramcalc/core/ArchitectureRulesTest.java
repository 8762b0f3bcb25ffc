package dev.vramcalc.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The arrows point one way: the core knows nothing of readers, faces or printing. */
class ArchitectureRulesTest {

  private final JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.vramcalc.core");

  @Test
  void coreDependsOnNoOtherModule() {
    noClasses().that().resideInAPackage("dev.vramcalc.core..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.vramcalc.io..", "dev.vramcalc.cli..", "dev.vramcalc.server..")
        .check(core);
  }

  @Test
  void formulasDoNotPrint() {
    noClasses().that().resideInAPackage("dev.vramcalc.core..")
        .should().accessField(System.class, "out")
        .orShould().accessField(System.class, "err")
        .check(core);
  }

  @Test
  void theModelPackageKnowsNoFormats() {
    noClasses().that().resideInAPackage("dev.vramcalc.core.model..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.vramcalc.core.precision..", "dev.vramcalc.core.estimate..")
        .check(core);
  }
}
